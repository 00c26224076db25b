import { useEffect, useState } from 'preact/hooks';

/** A console page, from the location hash: '#/t/acme/extensions/1001' → ['t', 'acme', 'extensions', '1001']. */
export interface Route {
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = h.indexOf('?');
  const path = q < 0 ? h : h.slice(0, q);
  const parts: string[] = [];
  for (const s of path.split('/')) {
    if (s === '') continue;
    try {
      parts.push(decodeURIComponent(s));
    } catch {
      parts.push(s);
    }
  }
  return { parts, query: new URLSearchParams(q < 0 ? '' : h.slice(q + 1)) };
}

/** A hash link from path parts, each part encoded. */
export function href(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}

export function go(...parts: string[]): void {
  location.hash = href(...parts);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
