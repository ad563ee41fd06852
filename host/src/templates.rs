//! Handlebars templates: pages (HTML-escaped) and e-mail bodies (plain text).
//! Defaults are embedded in the binary; an operator directory may override
//! any of them by name. Strict mode: a missing variable is an error, which
//! the template tests catch before users do.
//!
//! A page template holds the page's main content only; `layouts/base` is
//! rendered around it with the same data, the content in `{{{page_body}}}`.
//! Handlebars copies a partial's whole context on every call, so the layout
//! as a partial block, or a partial called without a context argument at
//! the top of a page, would copy all the page's data: in the dépôt
//! benchmark, copying and dropping it was most of the 14 % of the server's
//! time that handlebars took. Partials called at a page's top level get
//! their own small context (`{{> partials/erreurs erreurs}}`), and the CSRF
//! field is a helper.

use anyhow::Context;
use handlebars::Handlebars;
use rust_embed::RustEmbed;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

#[derive(RustEmbed)]
#[folder = "../templates"]
#[include = "*.hbs"]
struct Embedded;

pub struct Templates {
    html: Handlebars<'static>,
    text: Handlebars<'static>,
}

const EXTENSION: &str = ".hbs";
const LAYOUT: &str = "layouts/base";
/// The key under which the layout finds the rendered page.
const PAGE_BODY: &str = "page_body";

impl Templates {
    /// `static_prefix` is where this version of the static files is served
    /// (`/static/v-<hash>`): `{{asset "guichet.css"}}` gives its URL.
    pub fn load(override_dir: Option<&Path>, static_prefix: &str) -> anyhow::Result<Templates> {
        let mut html = Handlebars::new();
        html.set_strict_mode(true);
        html.register_helper("erreur_pour", Box::new(erreur_pour));
        html.register_helper("asset", Box::new(AssetUrl { prefix: static_prefix.to_owned() }));
        html.register_helper("pluriel", Box::new(pluriel_helper));
        html.register_helper("url_encode", Box::new(url_encode_helper));
        html.register_helper("csrf_input", Box::new(csrf_input));
        let mut text = Handlebars::new();
        text.set_strict_mode(true);
        text.register_helper("pluriel", Box::new(pluriel_helper));
        text.register_escape_fn(handlebars::no_escape);

        let mut sources: Vec<(String, String)> = Vec::new();
        for file in Embedded::iter() {
            let content = Embedded::get(&file).context("embedded template vanished")?;
            let body = String::from_utf8(content.data.into_owned())
                .with_context(|| format!("template {file} is not UTF-8"))?;
            sources.push((name_of(&file), body));
        }
        if let Some(dir) = override_dir {
            for (name, body) in read_dir_templates(dir, dir)? {
                sources.retain(|(n, _)| *n != name);
                sources.push((name, body));
            }
        }
        for (name, mut body) in sources {
            // A partial is inlined where it is called (`<dd>{{> …}}</dd>`):
            // its file's final newline is not part of it.
            if name.starts_with("partials/") && body.ends_with('\n') {
                body.pop();
            }
            // An override written when pages wrapped themselves in the
            // layout would now show the layout twice.
            if body.contains("{{#> layouts/") {
                anyhow::bail!(
                    "template {name}: a page no longer wraps itself in {{{{#> {LAYOUT}}}}}: the layout is rendered \
                     around every page; remove that line and the closing {{{{/{LAYOUT}}}}}"
                );
            }
            if name.starts_with("mails/") {
                text.register_template_string(&name, &body).with_context(|| format!("template {name}"))?;
            }
            html.register_template_string(&name, &body).with_context(|| format!("template {name}"))?;
        }
        Ok(Templates { html, text })
    }

    /// Renders page `name` inside the layout. `data` is moved into the
    /// render context, not copied: it must hold the layout's keys too
    /// (`http::ctx::base_context`).
    pub fn render_page(&self, name: &str, data: Value) -> anyhow::Result<String> {
        let mut context = handlebars::Context::from(data);
        let body = self.html.render_with_context(name, &context).with_context(|| format!("rendering {name}"))?;
        match context.data_mut() {
            Value::Object(map) => {
                map.insert(PAGE_BODY.to_owned(), Value::String(body));
            }
            _ => anyhow::bail!("rendering {name}: the page data is not an object"),
        }
        self.html.render_with_context(LAYOUT, &context).with_context(|| format!("rendering {LAYOUT} around {name}"))
    }

    pub fn render_text<T: Serialize>(&self, name: &str, data: &T) -> anyhow::Result<String> {
        self.text.render(name, data).with_context(|| format!("rendering {name}"))
    }

    /// Every page template name (for the render-everything test).
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.html.get_templates().keys().cloned().collect();
        names.sort();
        names
    }
}

/// `{{asset "vendor/dsfr/dsfr.min.css"}}`: the file's fingerprinted URL.
struct AssetUrl {
    prefix: String,
}

impl handlebars::HelperDef for AssetUrl {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &handlebars::Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc handlebars::Context,
        _: &mut handlebars::RenderContext<'reg, 'rc>,
        out: &mut dyn handlebars::Output,
    ) -> handlebars::HelperResult {
        let path = h
            .param(0)
            .and_then(|p| p.value().as_str())
            .ok_or_else(|| handlebars::RenderErrorReason::ParamNotFoundForIndex("asset", 0))?;
        out.write(&format!("{}/{}", self.prefix, path.trim_start_matches('/')))?;
        Ok(())
    }
}

/// `{{csrf_input}}`: the hidden field of the page's CSRF token, read from the
/// page's data (`csrf_field`, `csrf`) wherever the form sits in the page.
fn csrf_input(
    _: &handlebars::Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let field = |key: &str| {
        ctx.data()
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| handlebars::RenderErrorReason::MissingVariable(Some(key.to_owned())))
    };
    let (name, token) = (field("csrf_field")?, field("csrf")?);
    out.write(&format!(
        r#"<input type="hidden" name="{}" value="{}">"#,
        handlebars::html_escape(name),
        handlebars::html_escape(token)
    ))?;
    Ok(())
}

// `{{erreur_pour erreurs "email"}}`: the message for one field, or null, so
// optional error slots work in strict mode.
handlebars::handlebars_helper!(erreur_pour: |erreurs: Json, champ: str| {
    erreurs
        .as_array()
        .and_then(|list| list.iter().find(|e| e.get("champ").and_then(|c| c.as_str()) == Some(champ)))
        .and_then(|e| e.get("message").cloned())
        .unwrap_or(serde_json::Value::Null)
});

/// « 1 champ », « 0 champ », « 3 champs »: in French, 0 and 1 take the
/// singular. Rather than « champ(s) », which reads as a form to fill.
pub fn pluriel(n: i64, singulier: &str, pluriel: &str) -> String {
    format!("{n} {}", if n.abs() <= 1 { singulier } else { pluriel })
}

// `{{pluriel nombre_champs "champ" "champs"}}` → « 3 champs ».
// A value put in a link's query string (`retour=/dossiers/3?x=1`): without
// encoding, its `&` or `#` would cut the link short.
handlebars::handlebars_helper!(url_encode_helper: |value: str| crate::error::url_encode(value));

handlebars::handlebars_helper!(pluriel_helper: |n: i64, singulier: str, forme_plurielle: str| {
    pluriel(n, singulier, forme_plurielle)
});

fn name_of(file: &str) -> String {
    file.strip_suffix(EXTENSION).unwrap_or(file).replace('\\', "/")
}

fn read_dir_templates(root: &Path, dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(read_dir_templates(root, &path)?);
        } else if path.to_string_lossy().ends_with(EXTENSION) {
            let rel = path.strip_prefix(root)?.to_string_lossy().to_string();
            let body = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            out.push((name_of(&rel), body));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_still_wrapping_its_page_in_the_layout_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(dir.path().join("usager")).expect("folder");
        let page = "{{#> layouts/base}}\n<h1>Mes dossiers</h1>\n{{/layouts/base}}\n";
        std::fs::write(dir.path().join("usager/dossiers.hbs"), page).expect("override");
        let erreur = Templates::load(Some(dir.path()), "/static").err().expect("refused").to_string();
        assert!(erreur.contains("usager/dossiers") && erreur.contains("layouts/base"), "{erreur}");
        std::fs::write(dir.path().join("usager/dossiers.hbs"), "<h1>Mes dossiers</h1>\n").expect("override");
        assert!(Templates::load(Some(dir.path()), "/static").is_ok());
    }

    #[test]
    fn pluriel_agrees_in_number_the_french_way() {
        assert_eq!(pluriel(0, "traité", "traités"), "0 traité");
        assert_eq!(pluriel(1, "champ", "champs"), "1 champ");
        assert_eq!(pluriel(2, "groupe", "groupes"), "2 groupes");
    }
}
