// Display conditions and computed champs, live: when an answer changes,
// the form's answers (files left out) are sent to /dossiers/{id}/regles,
// which evaluates the démarche's rules as the server will at saving, and
// the champs it hides or shows, the computed values and the inéligibilité
// message are updated. Without this script a save does the same.
(function () {
  "use strict";
  if (window.guichetRegles) { return; }
  window.guichetRegles = true;

  // Long enough to send one request per pause in typing, short enough to
  // feel immediate.
  var DELAI_MS = 250;

  function setup(form) {
    var url = form.getAttribute("data-regles");
    if (!url) { return; }
    var timer = null;
    var enCours = null;

    function corps() {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) {
        if (typeof value === "string") { params.append(key, value); }
      });
      return params;
    }

    function ensemble(ids) {
      var out = {};
      (ids || []).forEach(function (id) { out[String(id)] = true; });
      return out;
    }

    function appliquer(reponse) {
      var masques = ensemble(reponse.masques);
      var lignes = reponse.lignes || {};
      // A champ in a row of a block is shown or hidden by its row's rules.
      form.querySelectorAll("[data-champ]").forEach(function (el) {
        var ligne = el.parentElement && el.parentElement.closest("[data-ligne]");
        var id = el.getAttribute("data-champ");
        var masque;
        if (ligne) {
          var l = lignes[ligne.getAttribute("data-ligne")];
          masque = l ? ensemble(l.masques)[id] === true : el.hidden;
        } else {
          masque = masques[id] === true;
        }
        if (el.hidden !== masque) { el.hidden = masque; }
      });
      function ecrire(racine, calculs) {
        Object.keys(calculs || {}).forEach(function (id) {
          racine.querySelectorAll("[data-calcul='" + id + "']").forEach(function (sortie) {
            var dansLigne = sortie.closest("[data-ligne]");
            if ((racine === form) === (dansLigne === null)) { sortie.textContent = calculs[id] || "—"; }
          });
        });
      }
      ecrire(form, reponse.calculs);
      Object.keys(lignes).forEach(function (row) {
        var el = form.querySelector("[data-ligne='" + row + "']");
        if (el) { ecrire(el, lignes[row].calculs); }
      });
      var alerte = document.getElementById("ineligibilite");
      if (alerte) {
        var message = alerte.querySelector(".guichet-ineligibilite-message");
        if (reponse.ineligible) {
          if (message) { message.textContent = reponse.ineligible; }
          alerte.hidden = false;
        } else {
          alerte.hidden = true;
        }
      }
    }

    function evaluer() {
      if (enCours) { enCours.abort(); }
      var controle = new AbortController();
      enCours = controle;
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: corps().toString(),
        signal: controle.signal
      }).then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      }).then(appliquer).catch(function () {
        // The page stays as it is: the server evaluates again at saving.
      });
    }

    function planifier() {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(evaluer, DELAI_MS);
    }
    form.addEventListener("input", planifier);
    form.addEventListener("change", planifier);
  }

  function init() {
    document.querySelectorAll("form[data-regles]").forEach(setup);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
