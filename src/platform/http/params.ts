import Type from 'typebox';

/** A path parameter naming a stored object: bounded, so that a huge segment is a 400, not a lookup. */
export const PathId = Type.String({ minLength: 1, maxLength: 64 });

/** The params of a route on one object, `/…/:id`. */
export const IdParams = Type.Object({ id: PathId });
