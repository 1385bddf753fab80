declare namespace App {
  interface Locals {
    /** Set by src/middleware.ts on /api/ routes: the verified Passki session JWT's claims. */
    passki: import('@passki/node').PasskiClaims;
  }
}
