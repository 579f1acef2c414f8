import { startTracing } from './tracing';

// Imported first by each main (before Fastify, http and pg load, so the instrumentations can patch them).
startTracing();
