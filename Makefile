# Build targets for `sam build`.
#
# SharedLayer (template.yaml) declares `Metadata: BuildMethod: makefile`, so `sam build` copies the layer's
# ContentUri (the repository root) to a scratch directory and runs `make build-SharedLayer` there with
# ARTIFACTS_DIR set to the layer's output directory. SAM has no esbuild build method for layers, hence this file:
# scripts/build-layer.mjs bundles layers/core/src/index.ts with esbuild into
# $(ARTIFACTS_DIR)/nodejs/node_modules/@ecs-sd/core, the path Lambda puts on NODE_PATH (/opt/nodejs/node_modules).
# `npm run build` (scripts/build.mjs) calls the same target, so both builds produce the same layer.
#
# Functions are not built here: they use SAM's esbuild BuildMethod (see their Metadata in template.yaml).

.PHONY: build-SharedLayer

build-SharedLayer:
	node scripts/build-layer.mjs "$(ARTIFACTS_DIR)"
