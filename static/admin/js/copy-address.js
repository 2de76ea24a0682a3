// "Kopioi" beside a secret calendar address: shown only where the clipboard can be written,
// the address stays selectable text without it. No inline script (the admin's CSP).
"use strict";
document.querySelectorAll("button[data-copy-target]").forEach((button) => {
  if (!navigator.clipboard) {
    return;
  }
  const field = document.getElementById(button.dataset.copyTarget);
  const label = button.textContent;
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(field.value).then(() => {
      button.textContent = button.dataset.copied;
      setTimeout(() => {
        button.textContent = label;
      }, 3000);
    });
  });
});
