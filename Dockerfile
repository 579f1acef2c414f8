# syntax=docker/dockerfile:1
# One image for both processes: the api (`node dist/apps/api/main.js`) and the worker
# (`node dist/apps/worker/main.js`); docker-compose.yml picks the command.
# NestJS 12 is ESM-only and is loaded from the CommonJS build through require(esm): Node >= 20.19.
# Built on the current Node LTS: 26 (Active LTS since 2026-10-28, nodejs/Release schedule); Node 20
# reached end of life on 2026-04-30. The code itself still runs on Node >= 20.19 (package.json engines).

FROM node:26-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY projections ./projections
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:26-slim AS runtime
# MALLOC_MMAP_THRESHOLD_: as the npm start scripts (README, "Memory"): a fixed glibc mmap threshold
# returns freed large blocks to the OS instead of keeping them in the threads' arenas.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# Default: API and worker in one process (the embedded default when nothing else is configured).
CMD ["node", "dist/apps/main.js"]
