import type { EventDecl } from './define.ts';
import { sidecarOf } from './layout.ts';

/**
 * The starting text of a new handler script for an event, as the editor offers it: the default export typed with the
 * event's handler type, so IntelliSense knows every parameter. Written for TypeScript files.
 */
export function handlerTemplate(decl: EventDecl, loggerName: string): string {
  const params = decl.params.map((p) => p.name).join(', ');
  const body = [
    `  const logger = system.util.getLogger(${JSON.stringify(loggerName)});`,
    `  logger.info(${JSON.stringify(`${decl.id} ran`)});`,
  ];
  if (decl.returns === 'unknown') body.push('  return {};');
  return [`// ${decl.doc}`, `export default ((${params}) => {`, ...body, `}) satisfies Flint.${decl.typeName};`, ''].join('\n');
}

/** The starting text of a new handler's sidecar, when its event has settings. */
export function sidecarTemplate(decl: EventDecl): string | undefined {
  const schema = sidecarOf(decl);
  return schema ? `${JSON.stringify(schema.example, null, 2)}\n` : undefined;
}
