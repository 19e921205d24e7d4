// Zikra memory browser: the only script the pages load (the CSP allows no other).
// Forms with data-confirm ask before they submit (archive, revoke).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) event.preventDefault();
});
