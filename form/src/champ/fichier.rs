//! Pièces justificatives and titres d'identité: which formats a champ
//! accepts, checked on the file's CONTENT (its first bytes, with `infer`),
//! not on the name the usager's computer gave it; the size limits; the
//! file name as stored and offered back at download.
//!
//! Pure: the upload path (host `http/pieces_jointes.rs`) streams the file to
//! the storage and hands the first [`ENTETE_BYTES`] to [`verifier_contenu`].

use super::{TypeChamp, TypeDeChamp};
use serde::Serialize;

/// One file of a pièce justificative: the original platform's limit. Bounds
/// what one upload can take of the storage and of a worker's time (the
/// virus scan reads it all).
pub const PIECE_MAX_BYTES: u64 = 200 * 1024 * 1024;
/// A scan or photo of an identity document is a few MB: 20 MB bounds a
/// file that is kept (and purged) with more care than others.
pub const TITRE_IDENTITE_MAX_BYTES: u64 = 20 * 1024 * 1024;
/// Files in one champ (the original's UI offers 10): bounds a dossier's
/// share of the storage and the length of its pages.
pub const FICHIERS_PAR_CHAMP_MAX: usize = 10;
/// Longest stored file name, in characters: long enough for real names,
/// short enough for a header, an export cell and a list on a phone.
pub const NOM_MAX_CHARS: usize = 120;
/// The bytes kept in memory to recognise a format: OOXML documents name
/// their parts (`word/…`) within the first few kilobytes of the zip.
pub const ENTETE_BYTES: usize = 64 * 1024;

/// A family of formats the administrateur can restrict a champ to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Famille {
    pub slug: &'static str,
    pub libelle: &'static str,
}

pub const FAMILLES: [Famille; 8] = [
    Famille { slug: "document_texte", libelle: "Documents texte (PDF, Word, OpenDocument, texte)" },
    Famille { slug: "tableur", libelle: "Tableurs (Excel, OpenDocument, CSV)" },
    Famille { slug: "presentation", libelle: "Présentations (PowerPoint, OpenDocument)" },
    Famille { slug: "donnees", libelle: "Données (JSON, XML, CSV)" },
    Famille { slug: "image_scan", libelle: "Images et scans (JPEG, PNG, TIFF, WebP, HEIC)" },
    Famille { slug: "audio", libelle: "Audio (MP3, OGG, WAV, FLAC, M4A)" },
    Famille { slug: "video", libelle: "Vidéo (MP4, WebM, MOV, AVI, MKV)" },
    Famille { slug: "archive", libelle: "Archives (ZIP, 7z, RAR, GZ)" },
];

/// An accepted format: its media type, the families it belongs to, the
/// file extensions that name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Format {
    pub mime: &'static str,
    pub familles: &'static [&'static str],
    pub extensions: &'static [&'static str],
}

const fn f(mime: &'static str, familles: &'static [&'static str], extensions: &'static [&'static str]) -> Format {
    Format { mime, familles, extensions }
}

/// The allow-list. Anything else (HTML, SVG, scripts, executables) is
/// refused whatever its name: files are served back to instructeurs, and
/// active content has no place in a dossier.
pub const FORMATS: &[Format] = &[
    f("application/pdf", &["document_texte", "image_scan"], &["pdf"]),
    f("application/msword", &["document_texte"], &["doc"]),
    f("application/vnd.openxmlformats-officedocument.wordprocessingml.document", &["document_texte"], &["docx"]),
    f("application/vnd.oasis.opendocument.text", &["document_texte"], &["odt"]),
    f("application/rtf", &["document_texte"], &["rtf"]),
    f("text/plain", &["document_texte"], &["txt"]),
    f("application/vnd.ms-excel", &["tableur"], &["xls"]),
    f("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &["tableur"], &["xlsx"]),
    f("application/vnd.oasis.opendocument.spreadsheet", &["tableur"], &["ods"]),
    f("text/csv", &["tableur", "donnees"], &["csv"]),
    f("application/vnd.ms-powerpoint", &["presentation"], &["ppt"]),
    f("application/vnd.openxmlformats-officedocument.presentationml.presentation", &["presentation"], &["pptx"]),
    f("application/vnd.oasis.opendocument.presentation", &["presentation"], &["odp"]),
    f("application/json", &["donnees"], &["json"]),
    f("application/xml", &["donnees"], &["xml"]),
    f("image/jpeg", &["image_scan"], &["jpg", "jpeg"]),
    f("image/png", &["image_scan"], &["png"]),
    f("image/tiff", &["image_scan"], &["tif", "tiff"]),
    f("image/webp", &["image_scan"], &["webp"]),
    f("image/heif", &["image_scan"], &["heic", "heif"]),
    f("audio/mpeg", &["audio"], &["mp3"]),
    f("audio/ogg", &["audio"], &["ogg", "oga"]),
    f("audio/x-wav", &["audio"], &["wav"]),
    f("audio/x-flac", &["audio"], &["flac"]),
    f("audio/m4a", &["audio"], &["m4a"]),
    f("video/mp4", &["video"], &["mp4", "m4v"]),
    f("video/webm", &["video"], &["webm"]),
    f("video/quicktime", &["video"], &["mov"]),
    f("video/x-msvideo", &["video"], &["avi"]),
    f("video/x-matroska", &["video"], &["mkv"]),
    f("application/zip", &["archive"], &["zip"]),
    f("application/x-7z-compressed", &["archive"], &["7z"]),
    f("application/vnd.rar", &["archive"], &["rar"]),
    f("application/gzip", &["archive"], &["gz"]),
];

/// A titre d'identité: a photo or a scan, nothing else.
const TITRE_IDENTITE: [&str; 3] = ["image/jpeg", "image/png", "application/pdf"];

/// The old Office formats share one container (OLE2); `infer` without its
/// `cfb` parser does not tell them apart, the extension does.
const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Whether `slug` names a family.
pub fn famille_connue(slug: &str) -> bool {
    FAMILLES.iter().any(|f| f.slug == slug)
}

/// The formats a champ accepts: its families (every format when none
/// chosen), or a titre d'identité's three.
pub fn formats_acceptes(tdc: &TypeDeChamp) -> Vec<&'static Format> {
    match tdc.type_champ {
        TypeChamp::TitreIdentite => FORMATS.iter().filter(|f| TITRE_IDENTITE.contains(&f.mime)).collect(),
        _ => {
            let familles = &tdc.options.familles;
            FORMATS
                .iter()
                .filter(|f| familles.is_empty() || f.familles.iter().any(|x| familles.iter().any(|y| y == x)))
                .collect()
        }
    }
}

/// The largest file this champ takes.
pub fn taille_max(t: &TypeChamp) -> u64 {
    match t {
        TypeChamp::TitreIdentite => TITRE_IDENTITE_MAX_BYTES,
        _ => PIECE_MAX_BYTES,
    }
}

/// Whether the champ takes several files.
pub fn plusieurs(tdc: &TypeDeChamp) -> bool {
    tdc.type_champ == TypeChamp::PieceJustificative && tdc.options.plusieurs
}

/// The `accept` attribute of the file input: a hint for the browser's
/// picker only, the server checks the content.
pub fn attribut_accept(tdc: &TypeDeChamp) -> String {
    formats_acceptes(tdc)
        .iter()
        .flat_map(|f| f.extensions.iter().map(|e| format!(".{e}")))
        .collect::<Vec<_>>()
        .join(",")
}

/// The extensions accepted, for the hint under the field (« pdf, png… »).
pub fn extensions_lisibles(tdc: &TypeDeChamp) -> String {
    formats_acceptes(tdc).iter().flat_map(|f| f.extensions.first().copied()).collect::<Vec<_>>().join(", ")
}

fn extension(nom: &str) -> Option<String> {
    let (base, ext) = nom.rsplit_once('.')?;
    (!base.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// Checks a file's first bytes (`entete`, at most [`ENTETE_BYTES`]) against
/// what the champ accepts. Returns the media type the content is, or the
/// French message for the usager. `nom` only settles what the content
/// cannot: which Office format an OLE2 or zip container is, which text
/// format a plain text is; a name that disagrees with the content is refused.
pub fn verifier_contenu(tdc: &TypeDeChamp, nom: &str, entete: &[u8]) -> Result<&'static str, String> {
    let libelle = &tdc.libelle;
    let ext = extension(nom);
    let acceptes = formats_acceptes(tdc);
    let par_extension =
        || ext.as_deref().and_then(|e| FORMATS.iter().find(|f| f.extensions.contains(&e)).map(|f| f.mime));
    let refus = || {
        format!(
            "Le fichier « {} » n'est pas dans un format accepté pour « {libelle} » (formats acceptés : {}). Le format est reconnu d'après le contenu du fichier, pas d'après son nom.",
            nom_sur(nom),
            extensions_lisibles(tdc)
        )
    };
    if entete.is_empty() {
        return Err(format!("Le fichier « {} » est vide.", nom_sur(nom)));
    }
    let detecte = if entete.starts_with(&OLE_MAGIC) {
        // Only the three Office formats are accepted in this container.
        par_extension()
            .filter(|m| ["application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"].contains(m))
    } else {
        match infer::get(entete).map(|t| t.mime_type()) {
            // An OOXML or OpenDocument file whose parts lie beyond the head
            // is seen as a plain zip: the extension says which it is.
            Some("application/zip") => par_extension()
                .filter(|m| m.contains("openxmlformats") || m.contains("opendocument"))
                .or(Some("application/zip")),
            Some("audio/x-m4a") => Some("audio/m4a"),
            Some("image/heic") => Some("image/heif"),
            Some("application/x-rar-compressed") => Some("application/vnd.rar"),
            Some("text/rtf") => Some("application/rtf"),
            Some("text/xml") if !texte_actif(entete) => Some("application/xml"),
            Some(mime) => FORMATS.iter().map(|f| f.mime).find(|m| *m == mime),
            None if est_texte(entete) => match par_extension() {
                Some(m @ ("text/csv" | "application/json" | "application/xml")) => Some(m),
                _ => Some("text/plain"),
            },
            None => None,
        }
    };
    let mime = detecte.ok_or_else(refus)?;
    if !acceptes.iter().any(|f| f.mime == mime) {
        return Err(refus());
    }
    // A name that claims another known format (a page saved as « .pdf »)
    // is a mistake or a trick: refused, so the name never lies.
    if let Some(claimed) = par_extension()
        && claimed != mime
        && !(mime == "text/plain" && claimed.starts_with("text/"))
    {
        return Err(format!(
            "Le contenu du fichier « {} » ne correspond pas à son extension « .{} ». Enregistrez-le à nouveau dans son format d'origine.",
            nom_sur(nom),
            ext.unwrap_or_default()
        ));
    }
    Ok(mime)
}

/// Text a browser could run or render as a page: never accepted as text.
fn texte_actif(entete: &[u8]) -> bool {
    let debut = String::from_utf8_lossy(&entete[..entete.len().min(4096)]).to_ascii_lowercase();
    ["<html", "<!doctype html", "<script", "<svg", "<body", "<iframe", "<?php"].iter().any(|m| debut.contains(m))
}

/// Plain text: UTF-8 (a cut last character allowed) without control
/// characters other than line breaks and tabs, and nothing active.
fn est_texte(entete: &[u8]) -> bool {
    let valide = match std::str::from_utf8(entete) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&entete[..e.valid_up_to()]).unwrap_or(""),
        Err(_) => return false,
    };
    !valide.is_empty()
        && !valide.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        && !texte_actif(entete)
}

/// The name kept for a file: its last path part, without control
/// characters nor characters file systems or headers choke on, at most
/// [`NOM_MAX_CHARS`] (the extension kept); « fichier » when nothing is left.
pub fn nom_sur(nom: &str) -> String {
    let dernier = nom.rsplit(['/', '\\']).next().unwrap_or("");
    let propre: String =
        dernier.chars().filter(|c| !c.is_control()).map(|c| if "<>:\"|?*;%".contains(c) { '_' } else { c }).collect();
    let propre = propre.split_whitespace().collect::<Vec<_>>().join(" ");
    let propre = propre.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if propre.is_empty() {
        return "fichier".to_string();
    }
    if propre.chars().count() <= NOM_MAX_CHARS {
        return propre.to_string();
    }
    match propre.rsplit_once('.') {
        Some((base, ext)) if ext.chars().count() <= 10 => {
            let garde = NOM_MAX_CHARS - ext.chars().count() - 1;
            format!("{}.{ext}", base.chars().take(garde).collect::<String>())
        }
        _ => propre.chars().take(NOM_MAX_CHARS).collect(),
    }
}

/// A size the French way: « 850 octets », « 12 ko », « 1,5 Mo ».
pub fn taille_lisible(octets: u64) -> String {
    const KO: f64 = 1024.0;
    let o = octets as f64;
    let (valeur, unite) = if o < KO {
        return format!("{octets} octets");
    } else if o < KO * KO {
        (o / KO, "ko")
    } else if o < KO * KO * KO {
        (o / (KO * KO), "Mo")
    } else {
        (o / (KO * KO * KO), "Go")
    };
    let arrondi = (valeur * 10.0).round() / 10.0;
    let texte = if arrondi.fract() == 0.0 { format!("{arrondi:.0}") } else { format!("{arrondi:.1}") };
    format!("{} {unite}", texte.replace('.', ","))
}

/// A file champ's value, for display and export: the names of its files.
pub fn valeur(noms: &[String]) -> Option<String> {
    (!noms.is_empty()).then(|| noms.join(" ; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StableId;
    use crate::champ::OptionsChamp;
    use proptest::prelude::*;

    fn piece(familles: &[&str]) -> TypeDeChamp {
        TypeDeChamp {
            stable_id: StableId(3),
            type_champ: TypeChamp::PieceJustificative,
            libelle: "Justificatif".into(),
            description: String::new(),
            obligatoire: false,
            options: OptionsChamp { familles: familles.iter().map(|s| s.to_string()).collect(), ..Default::default() },
            parent: None,
            condition: None,
            prive: false,
        }
    }

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
    const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0";

    #[test]
    fn the_content_decides_not_the_name() {
        let t = piece(&[]);
        assert_eq!(verifier_contenu(&t, "avis.pdf", PDF), Ok("application/pdf"));
        assert_eq!(verifier_contenu(&t, "photo.PNG", PNG), Ok("image/png"));
        assert_eq!(verifier_contenu(&t, "sans-extension", JPEG), Ok("image/jpeg"));
        // A web page named .pdf: refused, and the message says why.
        let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>";
        let e = verifier_contenu(&t, "avis.pdf", html).unwrap_err();
        assert!(e.contains("pas dans un format accepté"), "{e}");
        assert!(verifier_contenu(&t, "page.html", html).is_err());
        assert!(verifier_contenu(&t, "image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>").is_err());
        // A PNG named .pdf: the name lies.
        assert!(verifier_contenu(&t, "avis.pdf", PNG).unwrap_err().contains("ne correspond pas"));
        // Executables never.
        assert!(verifier_contenu(&t, "setup.exe", b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0").is_err());
        assert!(verifier_contenu(&t, "x.pdf", b"").unwrap_err().contains("vide"));
    }

    #[test]
    fn plain_text_is_text_by_content_and_its_kind_by_name() {
        let t = piece(&[]);
        assert_eq!(verifier_contenu(&t, "notes.txt", "Café, déjà\n".as_bytes()), Ok("text/plain"));
        assert_eq!(verifier_contenu(&t, "t.csv", b"a;b\n1;2\n"), Ok("text/csv"));
        assert_eq!(verifier_contenu(&t, "d.json", b"{\"a\": 1}"), Ok("application/json"));
        assert!(verifier_contenu(&t, "notes.txt", b"a\0b").is_err());
        assert!(verifier_contenu(&t, "notes.txt", b"<script>x</script>").is_err());
    }

    #[test]
    fn families_restrict_and_titre_identite_takes_three_formats() {
        let images = piece(&["image_scan"]);
        assert!(verifier_contenu(&images, "a.png", PNG).is_ok());
        assert!(verifier_contenu(&images, "a.txt", b"hello").is_err());
        let tableur = piece(&["tableur"]);
        assert!(verifier_contenu(&tableur, "a.pdf", PDF).is_err());
        assert!(attribut_accept(&tableur).contains(".xlsx"));
        let mut titre = piece(&[]);
        titre.type_champ = TypeChamp::TitreIdentite;
        assert!(verifier_contenu(&titre, "cni.jpg", JPEG).is_ok());
        assert!(verifier_contenu(&titre, "cni.pdf", PDF).is_ok());
        assert!(verifier_contenu(&titre, "cni.txt", b"hello").is_err());
        assert_eq!(taille_max(&titre.type_champ), TITRE_IDENTITE_MAX_BYTES);
        assert!(famille_connue("audio") && !famille_connue("html"));
    }

    #[test]
    fn office_containers_are_told_apart_by_name() {
        let t = piece(&[]);
        let mut ole = OLE_MAGIC.to_vec();
        ole.extend_from_slice(&[0; 32]);
        assert_eq!(verifier_contenu(&t, "vieux.doc", &ole), Ok("application/msword"));
        assert_eq!(verifier_contenu(&t, "vieux.xls", &ole), Ok("application/vnd.ms-excel"));
        assert!(verifier_contenu(&t, "vieux.msi", &ole).is_err());
        let zip = b"PK\x03\x04\x14\0\0\0\x08\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x08\0\0\0foo.txt";
        assert_eq!(verifier_contenu(&t, "a.zip", zip), Ok("application/zip"));
        assert!(verifier_contenu(&t, "a.docx", zip).unwrap().contains("wordprocessingml"));
    }

    #[test]
    fn names_are_made_safe() {
        assert_eq!(nom_sur("C:\\Users\\moi\\Bulletin.pdf"), "Bulletin.pdf");
        assert_eq!(nom_sur("../../etc/passwd"), "passwd");
        assert_eq!(nom_sur("a\u{0}b\r\n\"c\".pdf"), "ab_c_.pdf");
        assert_eq!(nom_sur("..."), "fichier");
        assert_eq!(nom_sur(""), "fichier");
        assert_eq!(nom_sur("Relevé d'identité.pdf"), "Relevé d'identité.pdf");
        let long = format!("{}.pdf", "é".repeat(500));
        let n = nom_sur(&long);
        assert_eq!(n.chars().count(), NOM_MAX_CHARS);
        assert!(n.ends_with(".pdf"));
    }

    #[test]
    fn sizes_read_the_french_way() {
        assert_eq!(taille_lisible(850), "850 octets");
        assert_eq!(taille_lisible(12 * 1024), "12 ko");
        assert_eq!(taille_lisible(1536 * 1024), "1,5 Mo");
        assert_eq!(taille_lisible(PIECE_MAX_BYTES), "200 Mo");
        assert_eq!(valeur(&["a.pdf".into(), "b.png".into()]).as_deref(), Some("a.pdf ; b.png"));
        assert_eq!(valeur(&[]), None);
    }

    proptest! {
        #[test]
        fn no_input_panics(nom in ".{0,300}", entete in proptest::collection::vec(any::<u8>(), 0..2048), n in any::<u64>()) {
            let t = piece(&["image_scan", "document_texte"]);
            let _ = verifier_contenu(&t, &nom, &entete);
            let s = nom_sur(&nom);
            prop_assert!(!s.is_empty() && s.chars().count() <= NOM_MAX_CHARS);
            prop_assert!(!s.contains(['/', '\\', '"', '\r', '\n']));
            let _ = taille_lisible(n);
        }
    }
}
