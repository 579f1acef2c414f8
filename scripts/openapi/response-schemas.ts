/**
 * Derives the OpenAPI response schemas from the TypeScript types the routes really return: for each
 * method of each @Controller class under apps/api/src, the awaited return type, read with the
 * TypeScript type checker and written as an OpenAPI 3.0 schema (JSON semantics: Date is a date-time
 * string, undefined properties are left out, functions are not sent; objects stay open to more
 * properties, as TypeScript's own types are). Named interfaces and classes
 * become components. Output: apps/api/src/openapi/response-schemas.generated.ts, keyed by the
 * operationId Nest gives the route (`<Controller>_<method>`).
 *
 *   bash bench/run.sh scripts/openapi/response-schemas.ts          (re)writes the file
 *   bash bench/run.sh scripts/openapi/response-schemas.ts --check  exits 1 when the file is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export type Schema = Record<string, unknown>;
export interface DerivedOperation {
  /** The status the route answers with unless it sets another (@HttpCode, else 201 for POST, 200). */
  readonly status: number;
  /** What it sends; null when nothing (void) or a raw stream (@Res()). */
  readonly schema: Schema | null;
}
export interface ResponseSchemas {
  readonly operations: Record<string, DerivedOperation>;
  readonly components: Record<string, Schema>;
}

/** OpenAPI 3.0 has no null type: `nullable` needs a type, and a nullable $ref or anyOf takes null as one more variant. */
const NULL_ONLY: Schema = { type: 'object', nullable: true, enum: [null] };

const ROOT = join(__dirname, '..', '..');
export const GENERATED_FILE = join(ROOT, 'apps/api/src/openapi/response-schemas.generated.ts');

function program(): ts.Program {
  const configPath = join(ROOT, 'tsconfig.json');
  const config = ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, ts.sys.readFile).config, ts.sys, ROOT);
  const controllers = config.fileNames.filter((f) => /apps\/api\/src\/.*\.controller\.ts$/.test(f));
  return ts.createProgram(controllers, { ...config.options, noEmit: true });
}

const decoratorCall = (node: ts.HasDecorators, name: string): ts.CallExpression | undefined =>
  (ts.getDecorators(node) ?? []).map((d) => d.expression).find((e): e is ts.CallExpression => ts.isCallExpression(e) && e.expression.getText() === name);

function defaultStatus(method: ts.MethodDeclaration): number {
  const code = decoratorCall(method, 'HttpCode')?.arguments[0];
  if (code && ts.isNumericLiteral(code)) return Number(code.text);
  return decoratorCall(method, 'Post') ? 201 : 200;
}

const isDecoratedController = (node: ts.ClassDeclaration): boolean =>
  (ts.getDecorators(node) ?? []).some((d) => ts.isCallExpression(d.expression) && d.expression.expression.getText() === 'Controller');

export function generateResponseSchemas(): ResponseSchemas {
  const prog = program();
  const checker = prog.getTypeChecker();
  const components: Record<string, Schema> = {};
  const componentOf = new Map<ts.Type, string>();
  const operations: Record<string, DerivedOperation> = {};
  const readers = new Set<string>();

  const flags = (t: ts.Type, f: ts.TypeFlags) => (t.flags & f) !== 0;
  const nameOf = (t: ts.Type): string | null => {
    const sym = t.aliasSymbol ?? t.getSymbol();
    if (!sym || t.aliasTypeArguments?.length) return null;
    const n = sym.getName();
    if (!/^[A-Z][A-Za-z0-9]*$/.test(n) || ['Array', 'Promise', 'Record', 'Date', 'Object', 'Readonly', 'Partial', 'Pick', 'Omit', 'ReadonlyArray'].includes(n)) return null;
    const decl = sym.getDeclarations()?.[0];
    if (!decl || decl.getSourceFile().fileName.includes('/node_modules/')) return null;
    if (!(ts.isInterfaceDeclaration(decl) || ts.isClassDeclaration(decl) || ts.isTypeAliasDeclaration(decl))) return null;
    return n;
  };
  const awaited = (t: ts.Type): ts.Type => {
    const sym = t.getSymbol();
    if (sym?.getName() === 'Promise') {
      const [arg] = checker.getTypeArguments(t as ts.TypeReference);
      return arg ? awaited(arg) : t;
    }
    return t;
  };

  /** The schema of a value of type t as JSON.stringify sends it; undefined when nothing is sent. */
  const schemaOf = (t: ts.Type, depth = 0): Schema | undefined => {
    if (depth > 40) return {};
    if (flags(t, ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
    if (flags(t, ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Never)) return undefined;
    if (flags(t, ts.TypeFlags.Null)) return NULL_ONLY;
    if (t.isUnion()) return unionSchema(t.types, depth);
    if (flags(t, ts.TypeFlags.StringLiteral)) return { type: 'string', enum: [(t as ts.StringLiteralType).value] };
    if (flags(t, ts.TypeFlags.NumberLiteral)) return { type: 'number', enum: [(t as ts.NumberLiteralType).value] };
    if (flags(t, ts.TypeFlags.BooleanLiteral)) return { type: 'boolean', enum: [checker.typeToString(t) === 'true'] };
    if (flags(t, ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral | ts.TypeFlags.StringMapping)) return { type: 'string' };
    if (flags(t, ts.TypeFlags.Number)) return { type: 'number' };
    if (flags(t, ts.TypeFlags.Boolean)) return { type: 'boolean' };
    if (flags(t, ts.TypeFlags.BigInt | ts.TypeFlags.BigIntLiteral)) throw new Error('a bigint cannot be sent as JSON');
    if (flags(t, ts.TypeFlags.ESSymbolLike)) return undefined;
    const symName = t.getSymbol()?.getName();
    if (symName === 'Date') return { type: 'string', format: 'date-time' };
    if (symName === 'Buffer' || symName === 'Uint8Array') return { type: 'object' };
    if (checker.isArrayType(t) || checker.isTupleType(t)) {
      const args = checker.getTypeArguments(t as ts.TypeReference);
      const items = checker.isTupleType(t) ? unionSchema(args, depth) : schemaOf(args[0], depth + 1);
      return { type: 'array', items: items ?? {} };
    }
    if (t.getCallSignatures().length) return undefined;
    if (flags(t, ts.TypeFlags.Object | ts.TypeFlags.Intersection | ts.TypeFlags.NonPrimitive)) {
      const name = nameOf(t);
      if (name) {
        let ref = componentOf.get(t);
        if (!ref) {
          ref = name;
          for (let i = 2; components[ref]; i++) ref = `${name}${i}`;
          componentOf.set(t, ref);
          components[ref] = {};
          components[ref] = objectSchema(t, depth);
        }
        return { $ref: `#/components/schemas/${ref}` };
      }
      return objectSchema(t, depth);
    }
    return {};
  };

  const objectSchema = (t: ts.Type, depth: number): Schema => {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const p of checker.getPropertiesOfType(t)) {
      const decl = p.valueDeclaration ?? p.getDeclarations()?.[0];
      const pt = decl ? checker.getTypeOfSymbolAtLocation(p, decl) : checker.getTypeOfSymbol(p);
      if (decl && (ts.isMethodDeclaration(decl) || ts.isMethodSignature(decl) || ts.isGetAccessor(decl))) continue;
      const s = schemaOf(pt, depth + 1);
      if (s === undefined) continue;
      properties[p.getName()] = s;
      const optional = (p.flags & ts.SymbolFlags.Optional) !== 0 || (pt.isUnion() && pt.types.some((u) => flags(u, ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
      if (!optional) required.push(p.getName());
    }
    const index = checker.getIndexInfoOfType(t, ts.IndexKind.String);
    const schema: Schema = { type: 'object', properties };
    if (required.length) schema.required = required;
    // TypeScript object types are structural: a value may carry more than its type names (a spread
    // of a wider row, the caller's own metadata), so only an index signature says what else comes.
    if (index) schema.additionalProperties = schemaOf(index.type, depth + 1) ?? {};
    if (!Object.keys(properties).length) delete schema.properties;
    return schema;
  };

  const unionSchema = (types: readonly ts.Type[], depth: number): Schema | undefined => {
    const nullable = types.some((u) => flags(u, ts.TypeFlags.Null));
    const rest = types.filter((u) => !flags(u, ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void));
    if (!rest.length) return nullable ? NULL_ONLY : undefined;
    // string literals (and true|false) collapse into one enum
    if (rest.every((u) => flags(u, ts.TypeFlags.StringLiteral))) return withNull({ type: 'string', enum: rest.map((u) => (u as ts.StringLiteralType).value) }, nullable, true);
    if (rest.every((u) => flags(u, ts.TypeFlags.BooleanLiteral))) return withNull({ type: 'boolean' }, nullable, false);
    const seen = new Set<string>();
    const variants: Schema[] = [];
    for (const u of rest) {
      const s = schemaOf(u, depth + 1);
      if (s === undefined) continue;
      const key = JSON.stringify(s);
      if (!seen.has(key)) seen.add(key), variants.push(s);
    }
    if (variants.length === 1) return withNull(variants[0], nullable, false);
    return withNull({ anyOf: variants }, nullable, false);
  };
  const withNull = (s: Schema, nullable: boolean, hasEnum: boolean): Schema => {
    if (!nullable) return s;
    if (s.$ref || s.anyOf) return { anyOf: [...((s.anyOf as Schema[] | undefined) ?? [s]), NULL_ONLY] };
    return hasEnum ? { ...s, nullable: true, enum: [...(s.enum as unknown[]), null] } : { ...s, nullable: true };
  };

  for (const file of prog.getSourceFiles()) {
    if (!/apps\/api\/src\/.*\.controller\.ts$/.test(file.fileName)) continue;
    for (const node of file.statements) {
      if (!ts.isClassDeclaration(node) || !node.name || !isDecoratedController(node)) continue;
      for (const member of node.members) {
        if (!ts.isMethodDeclaration(member) || !member.name || !(ts.getDecorators(member) ?? []).length) continue;
        const signature = checker.getSignatureFromDeclaration(member);
        if (!signature) continue;
        const result = awaited(checker.getReturnTypeOfSignature(signature));
        const id = `${node.name.text}_${member.name.getText()}`;
        operations[id] = { status: defaultStatus(member), schema: schemaOf(result) ?? null };
        if (decoratorCall(member, 'Get')) readers.add(id);
      }
    }
  }
  shareRepeated(operations, components, readers);
  return { operations, components };
}

/**
 * An unnamed answer several routes share (a request's status after each command) becomes one
 * component, named after the route that reads it (`RightsController_status` -> RightsStatusResponse).
 */
function shareRepeated(operations: Record<string, DerivedOperation>, components: Record<string, Schema>, readers: ReadonlySet<string>): void {
  const groups = new Map<string, string[]>();
  for (const [id, op] of Object.entries(operations)) {
    if (!op.schema || op.schema.$ref) continue;
    const key = JSON.stringify(op.schema);
    if (key.length > 300) groups.set(key, [...(groups.get(key) ?? []), id]);
  }
  for (const ids of groups.values()) {
    if (ids.length < 2) continue;
    const namer = ids.find((id) => readers.has(id)) ?? ids[0];
    const [controller, method] = namer.split('_');
    let name = `${controller.replace(/Controller$/, '')}${method[0].toUpperCase()}${method.slice(1)}Response`;
    for (let i = 2; components[name]; i++) name = `${name}${i}`;
    components[name] = operations[ids[0]].schema!;
    for (const id of ids) operations[id] = { ...operations[id], schema: { $ref: `#/components/schemas/${name}` } };
  }
}

export function renderGenerated(s: ResponseSchemas): string {
  return [
    '// Generated by scripts/openapi/response-schemas.ts from the types the routes return: do not edit.',
    '// bash bench/run.sh scripts/openapi/response-schemas.ts',
    'export const RESPONSE_SCHEMAS: { readonly operations: Record<string, { readonly status: number; readonly schema: Record<string, unknown> | null }>; readonly components: Record<string, Record<string, unknown>> } = {',
    '  operations: {',
    ...Object.entries(s.operations).map(([id, op]) => `    ${JSON.stringify(id)}: ${JSON.stringify(op)},`),
    '  },',
    '  components: {',
    ...Object.entries(s.components).map(([name, schema]) => `    ${JSON.stringify(name)}: ${JSON.stringify(schema)},`),
    '  },',
    '};',
    '',
  ].join('\n');
}

if (require.main === module) {
  const text = renderGenerated(generateResponseSchemas());
  const where = relative(process.cwd(), GENERATED_FILE);
  if (process.argv.includes('--check')) {
    const current = (() => { try { return readFileSync(GENERATED_FILE, 'utf8'); } catch { return ''; } })();
    if (current !== text) {
      console.error(`${where} is stale: run bash bench/run.sh scripts/openapi/response-schemas.ts`);
      process.exit(1);
    }
    console.log(`${where} is up to date`);
  } else {
    writeFileSync(GENERATED_FILE, text);
    console.log(`wrote ${where}`);
  }
}
