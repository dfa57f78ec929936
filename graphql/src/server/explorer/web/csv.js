// CSV of what a table shows (RFC 4180), offered as a download made in the browser.

/** Quotes a cell; a text starting with = + - @ gets a leading ' so no spreadsheet runs it. */
function cell(value) {
  let text = value === null || value === undefined ? "" : String(value);
  if (typeof value === "string" && /^[=+\-@]/.test(text) && !/^-?\d/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header, rows) {
  return [header, ...rows].map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}

/** Points `link` (an `<a download>`) at a fresh file holding `text`. */
export function offerDownload(link, fileName, text) {
  const old = link.getAttribute("href");
  if (old && old.startsWith("blob:")) URL.revokeObjectURL(old);
  const blob = new Blob(["\ufeff", text], { type: "text/csv;charset=utf-8" });
  link.setAttribute("href", URL.createObjectURL(blob));
  link.setAttribute("download", fileName);
}
