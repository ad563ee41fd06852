//! A file sent as `static/fichiers.js` sends it: to the upload URL the
//! brouillon page gives each file champ, answered in JSON.

use reqwest::multipart::{Form, Part};

/// The upload URL of file champ `name` on a brouillon page (its HTML).
pub fn adresse_televersement(page: &str, name: &str) -> String {
    let groupe = page.split(&format!("id=\"{name}-groupe\"")).nth(1).unwrap_or_else(|| panic!("no file champ {name}"));
    let marker = "data-televersement=\"";
    let start = groupe.find(marker).expect("an upload URL") + marker.len();
    groupe[start..].split('"').next().expect("url").to_owned()
}

/// Posts one file to `url` (absolute) as the script does; the status and
/// the JSON answer (`null` when it is not JSON).
pub async fn televerser(http: &reqwest::Client, url: &str, nom: &str, data: &[u8]) -> (u16, serde_json::Value) {
    let form = Form::new().percent_encode_noop().part("fichier", Part::bytes(data.to_vec()).file_name(nom.to_owned()));
    let response = http.post(url).header("accept", "application/json").multipart(form).send().await.expect("upload");
    let status = response.status().as_u16();
    (status, serde_json::from_str(&response.text().await.unwrap_or_default()).unwrap_or_default())
}
