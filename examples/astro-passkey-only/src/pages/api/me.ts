import type { APIRoute } from 'astro';

/** The signed-in user, from the JWT the middleware verified. */
export const GET: APIRoute = ({ locals }) => {
  const { userId, username, sessionId, expiresAt, metadata } = locals.passki;
  return Response.json({
    userId,
    username,
    sessionId,
    tokenExpiresAt: expiresAt.toISOString(),
    metadata,
    message: `Hello ${username}: this came from the server, which verified your Passki token.`,
  });
};
