// A search box above a long list (`select[data-combobox]`): typing filters
// the select's options (accents and case ignored). The select stays the
// field that is posted, and works as is without this script.
(function () {
  "use strict";
  if (window.guichetCombobox) { return; }
  window.guichetCombobox = true;

  function plain(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function setup(select) {
    var group = document.createElement("div");
    group.className = "fr-input-group fr-mb-1w";
    var label = document.createElement("label");
    label.className = "fr-label";
    label.htmlFor = select.id + "-recherche";
    label.textContent = "Rechercher dans la liste";
    var input = document.createElement("input");
    input.type = "search";
    input.className = "fr-input";
    input.id = select.id + "-recherche";
    input.setAttribute("aria-controls", select.id);
    input.autocomplete = "off";
    var status = document.createElement("p");
    status.className = "fr-sr-only";
    status.setAttribute("role", "status");
    group.appendChild(label);
    group.appendChild(input);
    group.appendChild(status);
    select.insertAdjacentElement("beforebegin", group);
    var options = Array.prototype.slice.call(select.options);
    input.addEventListener("input", function () {
      var q = plain(input.value.trim());
      var shown = 0;
      options.forEach(function (o) {
        if (!o.value) { return; }
        var keep = !q || plain(o.text).indexOf(q) !== -1 || o.selected;
        o.hidden = !keep;
        if (keep && !o.disabled) { shown += 1; }
      });
      status.textContent = shown + (shown > 1 ? " choix correspondent" : " choix correspond");
    });
  }

  function init() {
    document.querySelectorAll("select[data-combobox]").forEach(setup);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
