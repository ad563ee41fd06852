//! The « Je donne mon avis » button of the Observatoire de la qualité des
//! démarches en ligne. Administrateurs paste the HTML code MonAvis gives
//! them; it is never put in a page as is (it would be HTML from outside,
//! on pages usagers trust). Only the official markup is accepted, and only
//! its link is kept: pages draw their own DSFR button to it, with no image
//! fetched from another site.

use url::Url;

/// The pasted code is a few hundred characters; more is not MonAvis's.
pub const MONAVIS_MAX_CHARS: usize = 2_000;

/// Where MonAvis's evaluation pages live (the current and the former name).
const HOTES: [&str; 3] =
    ["jedonnemonavis.numerique.gouv.fr", "monavis.numerique.gouv.fr", "voxusagers.numerique.gouv.fr"];

const REFUS: &str = "Ce code n'est pas celui du bouton MonAvis : collez le code HTML fourni par jedonnemonavis.numerique.gouv.fr pour votre démarche, sans le modifier.";

/// The evaluation link of a pasted MonAvis code.
pub fn lien_monavis(code: &str) -> Result<String, &'static str> {
    let code = code.trim();
    if code.chars().count() > MONAVIS_MAX_CHARS {
        return Err(REFUS);
    }
    let mut lien = None;
    let mut dans_le_lien = false;
    let mut images = 0;
    let mut rest = code;
    while !rest.is_empty() {
        let Some(debut) = rest.find('<') else {
            // Text outside tags: only blanks between them.
            return if rest.trim().is_empty() { fin(lien, dans_le_lien) } else { Err(REFUS) };
        };
        if !rest[..debut].trim().is_empty() {
            return Err(REFUS);
        }
        let apres = &rest[debut + 1..];
        let fin_balise = apres.find('>').ok_or(REFUS)?;
        let balise = &apres[..fin_balise];
        rest = &apres[fin_balise + 1..];
        let (nom, attributs) = balise.split_once(char::is_whitespace).unwrap_or((balise, ""));
        match nom.to_ascii_lowercase().as_str() {
            "a" if lien.is_none() => {
                let href = attribut(attributs, "href").ok_or(REFUS)?;
                lien = Some(url_officielle(&href, true)?);
                dans_le_lien = true;
            }
            "/a" if dans_le_lien => dans_le_lien = false,
            "img" | "img/" if dans_le_lien && images == 0 => {
                let src = attribut(attributs, "src").ok_or(REFUS)?;
                url_officielle(&src, false)?;
                images += 1;
            }
            _ => return Err(REFUS),
        }
    }
    fin(lien, dans_le_lien)
}

fn fin(lien: Option<String>, ouvert: bool) -> Result<String, &'static str> {
    match lien {
        Some(lien) if !ouvert => Ok(lien),
        _ => Err(REFUS),
    }
}

/// The value of `name="…"` (or `'…'`) among a tag's attributes. Any
/// attribute made to run code (`on…`, `style`, `srcset`) refuses the code.
fn attribut(attributs: &str, nom: &str) -> Option<String> {
    let mut rest = attributs.trim().trim_end_matches('/');
    let mut trouve = None;
    while !rest.trim().is_empty() {
        rest = rest.trim_start();
        let egal = rest.find('=')?;
        let cle = rest[..egal].trim().to_ascii_lowercase();
        if cle.starts_with("on") || cle == "style" || cle == "srcset" || cle.contains(char::is_whitespace) {
            return None;
        }
        let valeur = rest[egal + 1..].trim_start();
        let quote = valeur.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let fin = valeur[1..].find(quote)?;
        if cle == nom {
            trouve = Some(valeur[1..1 + fin].replace("&amp;", "&"));
        }
        rest = &valeur[fin + 2..];
    }
    trouve
}

fn url_officielle(texte: &str, page: bool) -> Result<String, &'static str> {
    let url = Url::parse(texte.trim()).map_err(|_| REFUS)?;
    let hote = url.host_str().unwrap_or_default();
    let chemin_ok = if page { url.path().starts_with("/Demarches/") } else { true };
    if url.scheme() == "https"
        && HOTES.contains(&hote)
        && url.port().is_none()
        && url.username().is_empty()
        && chemin_ok
    {
        Ok(url.to_string())
    } else {
        Err(REFUS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFICIEL: &str = r#"<a href="https://jedonnemonavis.numerique.gouv.fr/Demarches/3385?button=4242" target="_blank" rel="noopener noreferrer">
  <img src="https://jedonnemonavis.numerique.gouv.fr/static/bouton-bleu.svg" alt="Je donne mon avis" title="Je donne mon avis sur cette démarche" />
</a>"#;

    #[test]
    fn the_official_codes_give_their_link() {
        assert_eq!(
            lien_monavis(OFFICIEL),
            Ok("https://jedonnemonavis.numerique.gouv.fr/Demarches/3385?button=4242".into())
        );
        let ancien = r#"<a href="https://monavis.numerique.gouv.fr/Demarches/2380?&amp;view-mode=formulaire-avis&amp;nd_source=button&amp;key=73c1"><img src="https://monavis.numerique.gouv.fr/monavis-static/bouton-bleu.png" alt="Je donne mon avis" title="Je donne mon avis sur cette démarche" /></a>"#;
        let lien = lien_monavis(ancien).expect("former MonAvis code");
        assert!(lien.starts_with("https://monavis.numerique.gouv.fr/Demarches/2380?&view-mode="), "{lien}");
    }

    #[test]
    fn anything_else_is_refused() {
        for code in [
            "",
            "Je donne mon avis",
            r#"<a href="https://evil.example/Demarches/1"><img src="https://jedonnemonavis.numerique.gouv.fr/x.svg"></a>"#,
            r#"<a href="http://jedonnemonavis.numerique.gouv.fr/Demarches/1">avis</a>"#,
            r#"<a href="javascript:alert(1)"><img src="x"></a>"#,
            r#"<a href="https://jedonnemonavis.numerique.gouv.fr/Demarches/1" onclick="steal()"><img src="https://jedonnemonavis.numerique.gouv.fr/b.svg"></a>"#,
            r#"<a href="https://jedonnemonavis.numerique.gouv.fr/Demarches/1"><img src="https://jedonnemonavis.numerique.gouv.fr/b.svg"></a><script>x()</script>"#,
            r#"<a href="https://jedonnemonavis.numerique.gouv.fr/Demarches/1"><img src="https://tracker.example/p.gif"></a>"#,
            r#"<a href="https://jedonnemonavis.numerique.gouv.fr/Demarches/1"><img src="https://jedonnemonavis.numerique.gouv.fr/b.svg">"#,
            r#"<a href="https://jedonnemonavis.numerique.gouv.fr.evil.example/Demarches/1"></a>"#,
            r#"<a href="https://user@jedonnemonavis.numerique.gouv.fr/Demarches/1"></a>"#,
            r#"<iframe src="https://jedonnemonavis.numerique.gouv.fr/Demarches/1"></iframe>"#,
            r#"<a href="https://jedonnemonavis.numerique.gouv.fr/Demarches/1">texte en plus</a>"#,
        ] {
            assert!(lien_monavis(code).is_err(), "accepted: {code}");
        }
        assert!(lien_monavis(&OFFICIEL.repeat(20)).is_err());
    }
}
