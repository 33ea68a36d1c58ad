/** Text for an HTML page or attribute: the five characters that could end a text node or an attribute, as entities. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
