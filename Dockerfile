# ssnews for deployment. One image runs every role; choose it with the command:
#   docker run … ssnews worker          (fetch, enrich and send workers)
#   docker run … ssnews serve           (editor, public pages, health)
# Needs REDIS_URL (Redis 7 with appendonly yes, maxmemory-policy noeviction), SMTP_URL and
# SESSION_SECRET; see .env.example. Mount your own config/ at /app/config.

# Compiled to JavaScript: long-running processes skip tsx's loader (about 40 MB and some CPU each).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# An explicit heap limit: left to size itself from the host's RAM, V8 lets a worker hold
# ~140 MB of garbage before collecting (peak RSS ~220 MB); with a limit it stays under 180 MB.
# Workers need ~60 MB live at 25,000 recent stories, so 1 GB is ample headroom.
ENV NODE_OPTIONS=--max-old-space-size=1024
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY --from=build /app/dist ./dist
COPY templates ./templates
COPY static ./static
COPY config ./config

USER node
EXPOSE 8080
ENV HOST=0.0.0.0 PORT=8080 SSNEWS_DATA_DIR=/tmp/ssnews
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["--help"]
