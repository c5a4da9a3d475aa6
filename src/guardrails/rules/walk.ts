import { isObject, type Json } from '../types.js';

/**
 * Every object of a body, each with its dotted path and the key it sits under ('' for the
 * document, the list's key for a list item). Iterative: the body's depth is bounded by the parser,
 * its breadth only by its size.
 */
export function walkObjects(doc: Json, prefix: string, visit: (node: Json, path: string, key: string) => void | 'skip'): void {
  const stack: { node: Json; path: string; key: string }[] = [{ node: doc, path: prefix.endsWith('.') ? prefix.slice(0, -1) : prefix, key: '' }];
  while (stack.length > 0) {
    const { node, path, key } = stack.pop()!;
    // 'skip': what is below this object is the visitor's own matter (a carried object's, judged whole).
    if (visit(node, path, key) === 'skip') continue;
    for (const [k, value] of Object.entries(node)) {
      if (isObject(value)) stack.push({ node: value, path: joinPath(path, k), key: k });
      else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (isObject(item)) stack.push({ node: item, path: `${joinPath(path, k)}[${i}]`, key: k });
        }
      }
    }
  }
}

export function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
