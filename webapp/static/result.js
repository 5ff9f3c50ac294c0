// The inspection was taken: the copy kept in this browser for lost connections is not needed.
(function () {
  "use strict";
  var taken = document.getElementById("submitted");
  if (taken) localStorage.removeItem("lantian-draft-" + taken.dataset.draft);
})();
