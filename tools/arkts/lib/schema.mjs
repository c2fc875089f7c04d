// A small JSON schema checker for our config files: enough to say which field is wrong and why.
// Spec forms: { type: 'string'|'number'|'integer'|'boolean'|'object'|'array', ... }
//   string: enum, pattern, minLength, maxLength   number/integer: min, max
//   object: props {name: spec}, required [names], extra (spec for unknown keys; false = none allowed; default true)
//   array: items (spec), minItems, unique
//   { anyOf: [spec, ...] }
export function check(value, spec, where, errors) {
  if (spec.anyOf) {
    for (const s of spec.anyOf) {
      const errs = [];
      check(value, s, where, errs);
      if (errs.length === 0) return;
    }
    errors.push(`${where}: does not match any allowed form`);
    return;
  }
  const t = spec.type;
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  if (t === 'integer' ? !Number.isInteger(value) : actual !== t) {
    errors.push(`${where}: expected ${t}, got ${actual}`);
    return;
  }
  if (t === 'string') {
    if (spec.enum && !spec.enum.includes(value)) errors.push(`${where}: "${value}" is not one of ${spec.enum.join(', ')}`);
    if (spec.pattern && !new RegExp(spec.pattern).test(value)) errors.push(`${where}: "${value}" does not match ${spec.pattern}`);
    if (spec.minLength !== undefined && value.length < spec.minLength) errors.push(`${where}: shorter than ${spec.minLength}`);
    if (spec.maxLength !== undefined && value.length > spec.maxLength) errors.push(`${where}: longer than ${spec.maxLength}`);
  } else if (t === 'number' || t === 'integer') {
    if (spec.min !== undefined && value < spec.min) errors.push(`${where}: ${value} < ${spec.min}`);
    if (spec.max !== undefined && value > spec.max) errors.push(`${where}: ${value} > ${spec.max}`);
  } else if (t === 'array') {
    if (spec.minItems !== undefined && value.length < spec.minItems) errors.push(`${where}: needs at least ${spec.minItems} item(s)`);
    if (spec.unique && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) errors.push(`${where}: items must be unique`);
    if (spec.items) value.forEach((v, i) => check(v, spec.items, `${where}[${i}]`, errors));
  } else if (t === 'object') {
    for (const r of spec.required ?? []) {
      if (!(r in value)) errors.push(`${where}.${r}: required`);
    }
    for (const [k, v] of Object.entries(value)) {
      const ps = spec.props?.[k];
      if (ps) check(v, ps, `${where}.${k}`, errors);
      else if (spec.extra === false) errors.push(`${where}.${k}: unknown field`);
      else if (spec.extra && spec.extra !== true) check(v, spec.extra, `${where}.${k}`, errors);
    }
  }
}

export const str = (extra = {}) => ({ type: 'string', ...extra });
export const int = (extra = {}) => ({ type: 'integer', ...extra });
export const bool = () => ({ type: 'boolean' });
export const arr = (items, extra = {}) => ({ type: 'array', items, ...extra });
export const obj = (props, required = [], extra = true) => ({ type: 'object', props, required, extra });
