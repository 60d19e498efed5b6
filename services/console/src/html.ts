/**
 * Server-rendered HTML without a template engine: the `html` tag escapes every interpolated value
 * unless it is itself `html` (or a list of them), so text from tokens, services or the query can
 * never become markup.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Interpolated = Html | string | number | null | undefined | false | readonly Interpolated[];

/** Text for an element's content or a quoted attribute value: & < > " ' replaced by entities. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(value: Interpolated): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

/** html`<p>${text}</p>`: the literal parts as written, every value escaped (null, undefined and false render nothing). */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => (out += render(value) + strings[i + 1]!));
  return new Html(out);
}
