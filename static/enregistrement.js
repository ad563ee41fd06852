// Autosave of a brouillon, or of the changes to a dossier en construction
// (kept apart until the usager files them): the champs changed since the last save are sent
// to /dossiers/{id}/champs after a pause in typing, and the status under
// the form says when they were saved, or that saving failed and when it
// will be tried again. A failure is never silent and never loses what was
// typed: the page keeps it and sends it again, also after the usager signs
// in again in another tab. Without this script « Enregistrer le brouillon »
// saves the whole form.
(function () {
  "use strict";
  if (window.guichetEnregistrement) { return; }
  window.guichetEnregistrement = true;

  // One request per pause in typing, not per keystroke.
  var DELAI_MS = 800;
  // Retries after a failure: 2 s, then doubling, at most 30 s apart, for
  // as long as the page is open.
  var REESSAI_MIN_MS = 2000;
  var REESSAI_MAX_MS = 30000;
  var CSRF = "authenticity_token";

  function setup(form) {
    var url = form.getAttribute("data-enregistrement");
    // What a save is called on this page (changes not filed yet are not
    // a brouillon).
    var libelle = form.getAttribute("data-enregistrement-libelle") || "Enregistré";
    var statut = document.getElementById("enregistrement-statut");
    if (!url || !statut) { return; }
    // Champ input name → version of its last change; a champ stays here
    // until a save that carried that version succeeds.
    var modifies = {};
    var version = 0;
    var timer = null;
    var enCours = false;
    var reessai = REESSAI_MIN_MS;
    var arrete = false;
    var envoye = false;

    function nomDuChamp(el) {
      if (!el.name || el.type === "file" || el.name === CSRF || el.name === "intention") { return null; }
      var champ = el.closest("[data-champ]");
      if (!champ || !form.contains(champ)) { return null; }
      var ligne = champ.parentElement && champ.parentElement.closest("[data-ligne]");
      var prefixe = ligne ? "l" + ligne.getAttribute("data-ligne") + "-" : "";
      return prefixe + "champ_" + champ.getAttribute("data-champ");
    }

    function conteneur(nom) {
      var m = /^(?:l([^-]+)-)?champ_(\d+)$/.exec(nom);
      if (!m) { return null; }
      var racine = m[1] ? form.querySelector("[data-ligne='" + m[1] + "']") : form;
      if (!racine) { return null; }
      var trouves = racine.querySelectorAll("[data-champ='" + m[2] + "']");
      for (var i = 0; i < trouves.length; i++) {
        var dansLigne = trouves[i].parentElement && trouves[i].parentElement.closest("[data-ligne]");
        if (m[1] ? dansLigne === racine : dansLigne === null) { return trouves[i]; }
      }
      return null;
    }

    function jeton() {
      var input = form.querySelector("input[name='" + CSRF + "']");
      return input ? input.value : "";
    }

    function corps(noms) {
      var params = new URLSearchParams();
      params.append(CSRF, jeton());
      noms.forEach(function (nom) {
        var el = conteneur(nom);
        if (!el) { return; }
        params.append("champs_modifies[]", nom);
        el.querySelectorAll("input, select, textarea").forEach(function (input) {
          if (!input.name || input.disabled || input.type === "file" || input.name === CSRF) { return; }
          if ((input.type === "checkbox" || input.type === "radio") && !input.checked) { return; }
          if (input.tagName === "SELECT" && input.multiple) {
            Array.prototype.forEach.call(input.selectedOptions, function (o) { params.append(input.name, o.value); });
            return;
          }
          params.append(input.name, input.value);
        });
      });
      return params;
    }

    // `etat`: "ok" (saved), "erreur" (not saved), or nothing (under way).
    function dire(texte, etat, enfants) {
      statut.textContent = texte;
      statut.classList.toggle("fr-error-text", etat === "erreur");
      statut.classList.toggle("fr-valid-text", etat === "ok");
      (enfants || []).forEach(function (e) { statut.appendChild(e); });
    }

    function lien(href, texte, nouvelOnglet) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = texte;
      if (nouvelOnglet) { a.target = "_blank"; a.rel = "noopener"; }
      return a;
    }

    function enregistre(reponse) {
      var erreurs = reponse.erreurs || [];
      if (erreurs.length === 0) {
        dire(libelle + " à " + reponse.enregistre_a + ".", "ok");
        return;
      }
      var liste = document.createElement("ul");
      erreurs.forEach(function (e) {
        var li = document.createElement("li");
        li.appendChild(lien("#" + e.champ, e.message));
        liste.appendChild(li);
      });
      var texte = erreurs.length === 1 ? "une réponse est à corriger" : erreurs.length + " réponses sont à corriger";
      dire(libelle + " à " + reponse.enregistre_a + " ; " + texte + " avant le dépôt :", null, [liste]);
    }

    function echec(texte) {
      var secondes = Math.round(reessai / 1000);
      dire(texte + " Nouvel essai dans " + secondes + " s ; vos réponses restent dans cette page.", "erreur");
      planifier(reessai);
      reessai = Math.min(reessai * 2, REESSAI_MAX_MS);
    }

    function sessionExpiree() {
      var retour = location.pathname + location.search;
      dire("Votre session a expiré : vos réponses sont conservées dans cette page. ", "erreur",
        [lien("/connexion?retour=" + encodeURIComponent(retour), "Reconnectez-vous dans un nouvel onglet", true),
          document.createTextNode(", puis l'enregistrement reprendra tout seul.")]);
      planifier(REESSAI_MIN_MS * 2);
    }

    // After signing in again the session, hence the form's token, is new:
    // the page's own address gives the current one.
    function renouvelerJeton() {
      return fetch(location.href, { credentials: "same-origin", redirect: "manual" }).then(function (r) {
        if (r.type === "opaqueredirect" || !r.ok) { return false; }
        return r.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var frais = doc.querySelector("input[name='" + CSRF + "']");
          if (!frais) { return false; }
          document.querySelectorAll("input[name='" + CSRF + "']").forEach(function (i) { i.value = frais.value; });
          // A form with files carries the token in its action too.
          document.querySelectorAll("form[action*='" + CSRF + "=']").forEach(function (f) {
            var action = new URL(f.getAttribute("action"), location.href);
            action.searchParams.set(CSRF, frais.value);
            f.setAttribute("action", action.pathname + action.search);
          });
          return true;
        });
      });
    }

    function arreter(texte) {
      arrete = true;
      dire(texte, "erreur");
    }

    function envoyer() {
      timer = null;
      if (arrete || envoye) { return; }
      if (enCours) { planifier(DELAI_MS); return; }
      var noms = Object.keys(modifies);
      if (noms.length === 0) { return; }
      var versions = {};
      noms.forEach(function (n) { versions[n] = modifies[n]; });
      enCours = true;
      dire("Enregistrement…", null);
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
        body: corps(noms).toString()
      }).then(function (r) {
        if (r.type === "opaqueredirect" || r.status === 401) { return sessionExpiree(); }
        if (r.status === 403) {
          return renouvelerJeton().then(function (ok) {
            if (ok) { planifier(0); } else { sessionExpiree(); }
          });
        }
        if (r.status === 409 || r.status === 404 || r.status === 422) {
          return arreter("L'enregistrement automatique est interrompu : ce dossier a changé d'état. Rechargez la page ; ce que vous avez tapé depuis le dernier enregistrement reste dans cette page jusque-là.");
        }
        if (!r.ok) { return echec("Échec de l'enregistrement (erreur " + r.status + ")."); }
        return r.json().then(function (reponse) {
          noms.forEach(function (n) { if (modifies[n] === versions[n]) { delete modifies[n]; } });
          reessai = REESSAI_MIN_MS;
          enregistre(reponse);
          if (Object.keys(modifies).length > 0) { planifier(DELAI_MS); }
        });
      }).catch(function () {
        echec("Échec de l'enregistrement : le serveur ne répond pas.");
      }).then(function () { enCours = false; });
    }

    function planifier(delai) {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(envoyer, delai);
    }

    // The inputs of each champ as last seen: a `change` after the `input`
    // events of the same typing (on leaving the field) is no new change.
    var vus = {};
    function modifie(event) {
      var nom = event.target && nomDuChamp(event.target);
      if (!nom) { return; }
      var signature = corps([nom]).toString();
      if (vus[nom] === signature) { return; }
      vus[nom] = signature;
      version += 1;
      modifies[nom] = version;
      if (!arrete) { planifier(DELAI_MS); }
    }
    form.addEventListener("input", modifie);
    form.addEventListener("change", modifie);
    // The form's own buttons send everything: nothing left to autosave.
    form.addEventListener("submit", function () {
      envoye = true;
      if (timer) { clearTimeout(timer); }
    });
    window.addEventListener("beforeunload", function (event) {
      if (!envoye && Object.keys(modifies).length > 0) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  function init() {
    document.querySelectorAll("form[data-enregistrement]").forEach(setup);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
