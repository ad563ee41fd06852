// Two linked lists (`fieldset[data-lie]`): the second list shows only the
// choices of the first one's value. Without this script the second list
// shows every choice grouped by the first (optgroups) and the server
// checks that the pair matches.
(function () {
  "use strict";
  if (window.guichetListeLiee) { return; }
  window.guichetListeLiee = true;

  function setup(fieldset) {
    var name = fieldset.getAttribute("data-lie");
    var premier = document.getElementById(name);
    var second = document.getElementById(name + "_secondaire");
    if (!premier || !second) { return; }
    var groupes = Array.prototype.slice.call(second.querySelectorAll("optgroup"));
    function maj(reset) {
      var actif = null;
      groupes.forEach(function (g) {
        var ok = g.label === premier.value;
        g.hidden = !ok;
        g.disabled = !ok;
        if (ok) { actif = g; }
      });
      if (reset && (!actif || !second.selectedOptions.length || second.selectedOptions[0].parentNode !== actif)) {
        second.value = "";
      }
      second.disabled = !actif;
    }
    premier.addEventListener("change", function () { maj(true); });
    // A disabled select is not posted: enable it before sending.
    if (premier.form) {
      premier.form.addEventListener("submit", function () { second.disabled = false; });
    }
    maj(false);
  }

  function init() {
    document.querySelectorAll("fieldset[data-lie]").forEach(setup);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
