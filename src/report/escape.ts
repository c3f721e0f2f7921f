// Escaping for everything that comes from outside (database names, error text, ids) before it
// goes into HTML job summaries, markdown pages or SVG: the summary API writes raw HTML.

export function escapeHtml(v: unknown): string {
  return String(v ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** For a markdown table cell: HTML-escaped, pipes and newlines neutralised. */
export function escapeMarkdownCell(v: unknown): string {
  return escapeHtml(v).replace(/\|/g, '&#124;').replace(/\r?\n/g, ' ');
}
