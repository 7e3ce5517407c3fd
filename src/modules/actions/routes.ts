import Type from 'typebox';
import type { ModuleRoutes } from '../../app.js';
import { DataEnvelope, errorResponses, FreeObject } from '../../platform/http/envelope.js';
import { IdParams, PathId } from '../../platform/http/params.js';
import { callerOf } from '../auth/guard.js';

const ActionParams = Type.Object({ id: PathId, action: Type.String({ minLength: 1, maxLength: 100 }) });

/** A connector's actions on a connection: post a message, start a scan, create a ticket. */
export const actionRoutes: ModuleRoutes = async (app, { ctx, actions }) => {
  app.get(
    '/integration-connections/:id/actions',
    {
      config: { access: 'connections:read' },
      schema: {
        tags: ['actions'],
        summary: "The actions the connection's connector offers, with their input schemas",
        params: IdParams,
        response: {
          200: DataEnvelope(
            Type.Array(
              Type.Object({
                name: Type.String(),
                description: Type.String(),
                input_schema: FreeObject('JSON Schema of the input'),
              }),
            ),
          ),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => ({ data: await actions.list(callerOf(request, ctx.clock), request.params.id) }),
  );

  app.post(
    '/integration-connections/:id/actions/:action',
    {
      config: { access: 'actions:run' },
      schema: {
        tags: ['actions'],
        summary: 'Run an action on the provider with the connection’s credentials',
        description:
          '400 names the input field the action’s schema refuses; 422 when the connection is not ' +
          'connected or the provider refused the action (`details.provider_message`); 503 when the ' +
          'provider cannot take it now (unreachable, rate limiting: `details.retry_after_ms`).',
        params: ActionParams,
        body: Type.Object(
          { input: Type.Optional(FreeObject('The action’s input, as its `input_schema` describes')) },
          { additionalProperties: false },
        ),
        response: {
          200: DataEnvelope(
            Type.Object({
              action: Type.String(),
              output: Type.Unknown({ description: 'What the action returned' }),
              duration_ms: Type.Integer(),
            }),
          ),
          ...errorResponses(400, 401, 403, 404, 422, 503),
        },
      },
    },
    async (request) => ({
      data: await actions.run(
        callerOf(request, ctx.clock),
        request.params.id,
        request.params.action,
        request.body.input ?? {},
      ),
    }),
  );
};
