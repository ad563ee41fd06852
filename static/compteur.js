// Live character counter under a zone de texte with a limit
// (`data-limite`). The server enforces the limit; this only tells the
// usager how many characters remain, politely announced.
(function () {
  "use strict";
  if (window.guichetCompteur) { return; }
  window.guichetCompteur = true;

  function setup(area) {
    var limite = parseInt(area.getAttribute("data-limite"), 10);
    var sortie = document.getElementById(area.id + "-compteur");
    if (!limite || !sortie) { return; }
    sortie.setAttribute("aria-live", "polite");
    function maj() {
      // Characters as the server counts them (code points, not UTF-16 units).
      var n = Array.from(area.value).length;
      var reste = limite - n;
      sortie.textContent = reste >= 0
        ? reste + (reste > 1 ? " caractères restants" : " caractère restant") + " sur " + limite
        : (-reste) + " caractère" + (-reste > 1 ? "s" : "") + " en trop (" + limite + " maximum)";
      sortie.classList.toggle("fr-error-text", reste < 0);
    }
    area.addEventListener("input", maj);
    maj();
  }

  function init() {
    document.querySelectorAll("textarea[data-limite]").forEach(setup);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
