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

// The main menu's groups (<details class="navgroup">): one open at a time, closed by a click
// elsewhere or by Escape.
document.addEventListener("toggle", (event) => {
  const opened = event.target;
  if (opened instanceof HTMLDetailsElement && opened.matches(".navgroup") && opened.open) {
    for (const other of document.querySelectorAll("details.navgroup[open]")) {
      if (other !== opened) other.open = false;
    }
  }
}, true);
document.addEventListener("click", (event) => {
  if (!(event.target instanceof Element) || !event.target.closest("details.navgroup")) {
    for (const open of document.querySelectorAll("details.navgroup[open]")) open.open = false;
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    for (const open of document.querySelectorAll("details.navgroup[open]")) open.open = false;
  }
});
