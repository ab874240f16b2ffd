// Just enough HTML reading for the sweeps: the forms a page draws (so a new field is swept
// without anyone listing it), the links it has, and its title. Our pages are our own
// well-formed markup, so a tag scanner is enough; no browser is needed.

export interface FormField {
  name: string;
  // input type (text, email, password, hidden, radio, checkbox, number...), or select / textarea / button
  kind: string;
  // What a browser would send untouched: the value attribute, the selected option, the checked radio.
  value: string;
  // Every value a select or a radio group offers.
  options: string[];
  disabled: boolean;
}

export interface PageForm {
  method: 'get' | 'post';
  action: string;
  fields: FormField[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1].toLowerCase() === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Record<string, string> {
  const found: Record<string, string> = {};
  const inside = tag.replace(/^<\w+/, '').replace(/\/?>$/, '');
  for (const match of inside.matchAll(/([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    found[match[1].toLowerCase()] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return found;
}

// The forms of a page with their fields; `pageUrl` resolves an empty or relative action.
export function parseForms(html: string, pageUrl: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const match of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const formTag = /^<form\b[^>]*>/i.exec(match[0])![0];
    const attrs = attributes(formTag);
    const base = new URL(pageUrl, 'http://portal.test');
    const action = new URL(attrs.action || base.pathname + base.search, base);
    forms.push({
      method: (attrs.method ?? 'get').toLowerCase() === 'post' ? 'post' : 'get',
      action: action.pathname + action.search,
      fields: fieldsOf(match[1]),
    });
  }
  return forms;
}

function fieldsOf(body: string): FormField[] {
  const fields: FormField[] = [];
  const radios = new Map<string, FormField>();
  const tags = /<(input|button)\b[^>]*>|<select\b[^>]*>([\s\S]*?)<\/select>|<textarea\b[^>]*>([\s\S]*?)<\/textarea>/gi;
  for (const match of body.matchAll(tags)) {
    const tag = /^<\w+\b[^>]*>/.exec(match[0])![0];
    const attrs = attributes(tag);
    if (!attrs.name) continue;
    const disabled = 'disabled' in attrs;
    const element = tag.slice(1).split(/[\s>]/)[0].toLowerCase();
    if (element === 'select') {
      const options = [...match[2].matchAll(/<option\b[^>]*>([\s\S]*?)<\/option>/gi)].map((o) => {
        const optionAttrs = attributes(/^<option\b[^>]*>/i.exec(o[0])![0]);
        return { value: 'value' in optionAttrs ? optionAttrs.value : decodeEntities(o[1]).trim(), selected: 'selected' in optionAttrs };
      });
      const chosen = options.find((o) => o.selected) ?? options[0];
      fields.push({ name: attrs.name, kind: 'select', value: chosen?.value ?? '', options: options.map((o) => o.value), disabled });
    } else if (element === 'textarea') {
      fields.push({ name: attrs.name, kind: 'textarea', value: decodeEntities(match[3]), options: [], disabled });
    } else if (element === 'button') {
      fields.push({ name: attrs.name, kind: 'button', value: attrs.value ?? '', options: [], disabled });
    } else {
      const kind = (attrs.type ?? 'text').toLowerCase();
      const value = attrs.value ?? (kind === 'checkbox' || kind === 'radio' ? 'on' : '');
      if (kind === 'radio') {
        const group = radios.get(attrs.name) ?? { name: attrs.name, kind, value: '', options: [], disabled };
        group.options.push(value);
        if ('checked' in attrs) group.value = value;
        if (!radios.has(attrs.name)) {
          radios.set(attrs.name, group);
          fields.push(group);
        }
      } else if (kind === 'submit' || kind === 'button' || kind === 'reset' || kind === 'image') {
        fields.push({ name: attrs.name, kind: 'button', value, options: [], disabled });
      } else {
        fields.push({ name: attrs.name, kind, value: kind === 'checkbox' && !('checked' in attrs) ? '' : value, options: [], disabled });
      }
    }
  }
  return fields;
}

// What the browser would send for this form as drawn (disabled fields and buttons are not sent).
export function defaultValues(form: PageForm): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of form.fields) {
    if (field.disabled || field.kind === 'button') continue;
    if ((field.kind === 'checkbox' || field.kind === 'radio') && field.value === '') continue;
    values[field.name] = field.value;
  }
  return values;
}

export function titleOf(html: string): string {
  return decodeEntities(/<title>([\s\S]*?)<\/title>/i.exec(html)?.[1] ?? '').trim();
}

// Local links (href) of a page, as paths with their query.
export function linksOf(html: string): string[] {
  const links = new Set<string>();
  for (const match of html.matchAll(/<a\b[^>]*\bhref="([^"]*)"/gi)) {
    const href = decodeEntities(match[1]);
    if (href.startsWith('/') && !href.startsWith('//')) links.add(href);
  }
  return [...links];
}

// The visible text of a page's main content and error messages, for "is there a clear message".
export function textOf(html: string): string {
  return decodeEntities(html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, '').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}
