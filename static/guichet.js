// Progressive enhancement only: every page works without this file.
// Moves keyboard and screen-reader focus to the error summary after a
// refused form submission, so the errors are announced first.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("erreurs");
  if (summary) {
    summary.focus();
  }
});
