import { useEffect, useRef } from 'react';
import type { JsonSchema } from '../api/types';
import { type FieldErrors, labelOf } from './schema';

export interface Problem {
  /** The id of the field to jump to. */
  id: string;
  text: string;
}

/** The list of a form's problems, focused when it appears, each linking to its field. */
export function ErrorSummary({ problems }: { problems: Problem[] }) {
  const box = useRef<HTMLDivElement>(null);
  const count = problems.length;
  useEffect(() => {
    if (count > 0) box.current?.focus();
  }, [count]);
  if (count === 0) return null;
  return (
    <div className="error-summary" role="alert" tabIndex={-1} ref={box}>
      <p className="error-summary__title">
        {count === 1 ? 'There is a problem to fix:' : `There are ${count} problems to fix:`}
      </p>
      <ul>
        {problems.map((problem) => (
          <li key={problem.id + problem.text}>
            <a
              href={`#${problem.id}`}
              onClick={(event) => {
                event.preventDefault();
                document.getElementById(problem.id)?.focus();
              }}
            >
              {problem.text}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** "Entities › Entity 1 › Name" for `entities.0.name`, from the schema's titles. */
export function describePath(schema: JsonSchema, path: string): string {
  const names: string[] = [];
  let node: JsonSchema | undefined = schema;
  let last = '';
  for (const part of path.split('.')) {
    if (!node) {
      names.push(part);
      continue;
    }
    if (/^\d+$/.test(part) && node.items) {
      node = node.items;
      names.push(`${node.title ?? last.replace(/s$/, '')} ${Number(part) + 1}`);
    } else if (node.properties?.[part]) {
      node = node.properties[part];
      last = labelOf(node, part);
      names.push(last);
    } else {
      node = undefined;
      names.push(part);
    }
  }
  return names.join(' › ');
}

/** Problems of a schema form, labelled from the schema. */
export function schemaProblems(
  schema: JsonSchema,
  errors: FieldErrors,
  idOf: (path: string) => string,
): Problem[] {
  return Object.entries(errors).map(([path, message]) => ({
    id: idOf(path),
    text: `${describePath(schema, path)}: ${message}`,
  }));
}
