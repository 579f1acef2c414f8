import { invalid, unsafeTextPath, UNSAFE_TEXT_MESSAGES } from '../shared';
import { evaluateManifest, type Finding, type Manifest, type ManifestPath } from './manifest';

export interface ParsedManifest {
  readonly manifest: Manifest;
  /** 1-based line of the node at `path` (or of its nearest existing parent). */
  lineOf(path: ManifestPath): number | undefined;
}

/** Parses a YAML manifest; a syntax error is a DomainError invalid naming the line. */
export function parseManifestYaml(source: string): ParsedManifest {
  // loaded on first use (not by every process importing the domain: issue 14, idle memory)
  const { LineCounter, parseDocument, isNode } = require('yaml') as typeof import('yaml');
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line;
    throw invalid(`manifest is not valid YAML: line ${line}: ${e.message.split('\n')[0]}`, { line });
  }
  const manifest = (doc.toJS({ maxAliasCount: 50 }) ?? {}) as Manifest;
  const lineOf = (path: ManifestPath): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  // YAML and JSON escapes ("\0", "\ud800") make text PostgreSQL cannot store: refused like any input (invariant 10)
  const unsafe = unsafeTextPath(manifest);
  if (unsafe) {
    const line = lineOf(unsafe.path.split('.').filter((k) => k !== '(key)').map((k) => (/^\d+$/.test(k) ? Number(k) : k)));
    throw invalid(`manifest ${unsafe.path} ${UNSAFE_TEXT_MESSAGES[unsafe.reason]}`, { field: unsafe.path, line });
  }
  return { manifest, lineOf };
}

/** `evaluate` for a YAML source: findings with their line numbers. */
export function evaluateManifestYaml(source: string, at: Date): { findings: Finding[]; manifest: Manifest } {
  const parsed = parseManifestYaml(source);
  const { findings } = evaluateManifest(parsed.manifest, at);
  return { manifest: parsed.manifest, findings: findings.map((f) => ({ ...f, line: parsed.lineOf(f.path) })) };
}
