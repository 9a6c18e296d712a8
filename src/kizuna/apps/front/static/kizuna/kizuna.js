// Kizuna's page behaviour, kept out of the templates so that the Content-Security-Policy
// can forbid inline scripts and inline event handlers (onclick=…) altogether.
"use strict";

// A <select data-autosubmit> submits its form as soon as a choice is made (the filter
// bars); a <noscript> button next to it does the same without JavaScript.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.matches("[data-autosubmit]") && field.form) {
    field.form.requestSubmit();
  }
});
