# ssnews for deployment. One image runs every role; choose it with the command:
#   docker run … ssnews worker          (fetch, enrich and send workers)
#   docker run … ssnews serve           (editor, public pages, health)
# Needs REDIS_URL (Redis 7 with appendonly yes, maxmemory-policy noeviction), SMTP_URL and
# SESSION_SECRET; see .env.example. Mount your own config/ at /app/config.
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY workers ./workers
COPY templates ./templates
COPY config ./config

USER node
EXPOSE 8080
ENV HOST=0.0.0.0 PORT=8080 SSNEWS_DATA_DIR=/tmp/ssnews
ENTRYPOINT ["node", "bin/ssnews.js"]
CMD ["--help"]
