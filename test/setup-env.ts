// Unit tests exercise handlers in-process: keep their request logs and the SDK's Node 20 notice
// (versions are pinned in package.json) out of the test output.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
