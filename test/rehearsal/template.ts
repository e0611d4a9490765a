/**
 * Reading a synthesized CloudFormation template as the deploy rehearsal needs it: intrinsic functions
 * resolved to the rehearsal's physical resources (as CloudFormation resolves them to the real ones), a
 * function's environment and asset, and the IAM statements of its role with a check of whether they
 * allow an action on a resource (Allow statements with `*` and `?` wildcards; the template holds no Deny).
 */
import * as path from 'node:path';

export type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, any> }> };

export interface Physical {
  /** what `Ref` gives for a resource (table name, queue URL, function name, role name...) */
  ref: string;
  /** Fn::GetAtt attributes: Arn, QueueUrl, QueueName... */
  attributes: Record<string, string>;
}

export class Resolver {
  constructor(
    private readonly template: Template,
    private readonly physical: Map<string, Physical>,
    private readonly pseudo: { account: string; region: string; partition: string },
  ) {}

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return this.intrinsic(keys[0], obj[keys[0]]);
    return Object.fromEntries(keys.map((k) => [k, this.resolve(obj[k])]));
  }

  text(value: unknown): string {
    const v = this.resolve(value);
    if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`expected a string, resolved ${JSON.stringify(value)} to ${JSON.stringify(v)}`);
    return String(v);
  }

  private intrinsic(fn: string, arg: any): unknown {
    switch (fn) {
      case 'Ref':
        if (arg === 'AWS::AccountId') return this.pseudo.account;
        if (arg === 'AWS::Region') return this.pseudo.region;
        if (arg === 'AWS::Partition') return this.pseudo.partition;
        if (arg === 'AWS::URLSuffix') return 'amazonaws.com';
        if (arg === 'AWS::StackName') return 'Rehearsal';
        return this.resource(arg).ref;
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
        const v = this.resource(id).attributes[attr];
        if (v === undefined) throw new Error(`the rehearsal has no attribute ${attr} for ${id} (${this.template.Resources[id]?.Type})`);
        return v;
      }
      case 'Fn::Join':
        return (this.resolve(arg[1]) as unknown[]).join(arg[0]);
      case 'Fn::Select':
        return (this.resolve(arg[1]) as unknown[])[Number(this.resolve(arg[0]))];
      case 'Fn::Split':
        return this.text(arg[1]).split(arg[0]);
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : [arg[0] as string, (this.resolve(arg[1]) ?? {}) as Record<string, string>];
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => vars[name] ?? (name.includes('.') ? this.text({ 'Fn::GetAtt': name.split('.') }) : this.text({ Ref: name })));
      }
      default:
        throw new Error(`the rehearsal cannot resolve ${fn}`);
    }
  }

  private resource(id: string): Physical {
    const p = this.physical.get(id);
    if (!p) throw new Error(`the template refers to ${id} (${this.template.Resources[id]?.Type ?? 'not in the template'}), which the rehearsal did not create`);
    return p;
  }
}

/** Lambda functions of the template with their role, handler, asset folder and environment (still unresolved). */
export function functionsOf(template: Template, outdir: string) {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([id, r]) => {
      const p = r.Properties!;
      const key = p.Code?.S3Key as string | undefined;
      return {
        id,
        handler: p.Handler as string,
        role: (p.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
        assetDir: key ? path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`) : undefined,
        environment: (p.Environment?.Variables ?? {}) as Record<string, unknown>,
        timeoutSeconds: (p.Timeout as number | undefined) ?? 3,
        memorySize: (p.MemorySize as number | undefined) ?? 128,
      };
    });
}
export type FunctionSpec = ReturnType<typeof functionsOf>[number];

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** The statements of every policy attached to the role (inline and AWS::IAM::Policy). */
export function statementsOfRole(template: Template, roleId: string): Statement[] {
  const role = template.Resources[roleId];
  const inline = ((role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
  const attached = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties!.Roles as unknown[]).some((x) => (x as { Ref?: string }).Ref === roleId))
    .flatMap((r) => r.Properties!.PolicyDocument.Statement as Statement[]);
  return [...inline, ...attached];
}

const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
/** IAM's wildcards: `*` any run of characters, `?` one; case-insensitive for actions only. */
const wildcard = (pattern: string, flags = '') => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, flags);

/** Does one of `statements` (resolved) allow `action` on `resource`? */
export function allows(statements: Statement[], resolver: Resolver, action: string, resource: string): boolean {
  return statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      asArray(s.Action).some((a) => wildcard(a, 'i').test(action)) &&
      asArray(resolver.resolve(s.Resource) as string | string[]).some((r) => wildcard(r).test(resource)),
  );
}
