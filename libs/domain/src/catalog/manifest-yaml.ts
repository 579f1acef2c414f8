import { LineCounter, parseDocument, isNode } from 'yaml';
import { invalid } from '../shared';
import { evaluateManifest, type Finding, type Manifest, type ManifestPath } from './manifest';

export interface ParsedManifest {
  readonly manifest: Manifest;
  /** 1-based line of the node at `path` (or of its nearest existing parent). */
  lineOf(path: ManifestPath): number | undefined;
}

/** Parses a YAML manifest; a syntax error is a DomainError invalid naming the line. */
export function parseManifestYaml(source: string): ParsedManifest {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line;
    throw invalid(`manifest is not valid YAML: line ${line}: ${e.message.split('\n')[0]}`, { line });
  }
  const manifest = (doc.toJS({ maxAliasCount: 50 }) ?? {}) as Manifest;
  return {
    manifest,
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

/** `evaluate` for a YAML source: findings with their line numbers. */
export function evaluateManifestYaml(source: string, at: Date): { findings: Finding[]; manifest: Manifest } {
  const parsed = parseManifestYaml(source);
  const { findings } = evaluateManifest(parsed.manifest, at);
  return { manifest: parsed.manifest, findings: findings.map((f) => ({ ...f, line: parsed.lineOf(f.path) })) };
}
