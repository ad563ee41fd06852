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

    function appliquer(reponse) {
      var masques = {};
      (reponse.masques || []).forEach(function (id) { masques[String(id)] = true; });
      form.querySelectorAll("[data-champ]").forEach(function (el) {
        var masque = masques[el.getAttribute("data-champ")] === true;
        if (el.hidden !== masque) { el.hidden = masque; }
      });
      var calculs = reponse.calculs || {};
      Object.keys(calculs).forEach(function (id) {
        var sortie = form.querySelector("[data-calcul='" + id + "']");
        if (sortie) { sortie.textContent = calculs[id] || "—"; }
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
