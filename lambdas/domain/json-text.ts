/**
 * Looks into JSON text without parsing it: a hostile client controls the text, so what it costs to
 * refuse must stay linear and small. Both scanners walk the text once, skipping string contents.
 */

/** Deepest nesting any request of this API needs is 3 (a body, a map, a value); 32 leaves room. */
export const MAX_JSON_DEPTH = 32;

/**
 * True when arrays and objects nest deeper than `max`. JSON.parse itself copes with deep input, but
 * what walks the result afterwards (validation, logging, JSON.stringify) recurses and can overflow
 * the stack or stall the process, so such text is refused before it is parsed.
 */
export function jsonDepthExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = stringEnd(text, i);
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/**
 * The string value of a top-level member (e.g. `RequestId`) of text that is too large, too deep or
 * not valid JSON at all, so that an ERROR can still name the request it answers. Only a member of
 * the outermost object counts; undefined when there is none or its value is not a string.
 */
export function topLevelString(text: string, member: string): string | undefined {
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      if (depth === 1 && expectKey && decodeString(text.slice(i, end + 1)) === member) {
        let j = end + 1;
        while (j < text.length && isSpace(text.charCodeAt(j))) j++;
        if (text[j] !== ':') return undefined;
        j++;
        while (j < text.length && isSpace(text.charCodeAt(j))) j++;
        if (text[j] !== '"') return undefined;
        return decodeString(text.slice(j, stringEnd(text, j) + 1));
      }
      expectKey = false;
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      expectKey = c === 0x7b && depth === 1;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c /* , */ && depth === 1) {
      expectKey = true;
    }
  }
  return undefined;
}

/** Index of the quote that closes the string opening at `start` (or the text's end when unclosed). */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i;
  }
  return text.length;
}

function decodeString(literal: string): string | undefined {
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
