// Pièces justificatives with JavaScript: a file is sent as soon as it is
// chosen (XHR, for its upload progress), listed under the field, and the
// file input is emptied so the dossier form posts without it. Without this
// script the file goes with the form itself (multipart), nothing is lost.
(function () {
  "use strict";
  if (window.guichetFichiers) { return; }
  window.guichetFichiers = true;

  function setup(group) {
    var url = group.getAttribute("data-televersement");
    var input = group.querySelector("input[type=file]");
    var list = group.querySelector(".guichet-fichiers");
    var zone = group.querySelector(".guichet-progression");
    if (!url || !input || !list || !zone) { return; }

    // The zone holds one message and, while a file goes, its progress bar;
    // the bar stays at 100 % once the file is in, next to the message.
    function say(text, error, bar) {
      zone.textContent = "";
      var p = document.createElement("p");
      p.className = error ? "fr-error-text" : "fr-text--sm";
      p.textContent = text;
      zone.appendChild(p);
      if (bar) { zone.appendChild(bar); }
    }

    function listed(fichier) {
      var li = document.createElement("li");
      li.textContent = fichier.nom + " (" + fichier.taille + ") — " + fichier.etat + " ";
      // Removal needs the small form the page renders: reload shows it.
      var note = document.createElement("span");
      note.className = "fr-text--xs";
      note.textContent = "(enregistrez pour pouvoir le supprimer)";
      li.appendChild(note);
      list.appendChild(li);
    }

    function send(files, index) {
      if (index >= files.length) {
        input.value = "";
        return;
      }
      var file = files[index];
      var data = new FormData();
      data.append("fichier", file, file.name);
      var xhr = new XMLHttpRequest();
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", "Envoi de " + file.name);
      say("Envoi de « " + file.name + " »…", false, bar);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); }
      });
      xhr.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (ignored) { answer = null; }
        if (xhr.status === 200 && answer && answer.fichier) {
          listed(answer.fichier);
          bar.value = 100;
          say("« " + file.name + " » a été envoyé.", false, bar);
          send(files, index + 1);
        } else {
          input.value = "";
          say((answer && answer.erreur) || (answer && answer.message) ||
            "L'envoi de « " + file.name + " » n'a pas abouti (" + xhr.status + ").", true);
        }
      });
      xhr.addEventListener("error", function () {
        input.value = "";
        say("L'envoi de « " + file.name + " » a été interrompu. Vérifiez votre connexion et réessayez.", true);
      });
      xhr.open("POST", url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.send(data);
    }

    input.addEventListener("change", function () {
      if (input.files && input.files.length > 0) { send(input.files, 0); }
    });
  }

  function init() {
    var groups = document.querySelectorAll("[data-televersement]");
    for (var i = 0; i < groups.length; i++) { setup(groups[i]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
