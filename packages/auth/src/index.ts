/** @mcp-middleware/auth: who may call, list, read and get what — principals from authInfo, JWTs, API keys or the environment. */
export { auth } from './auth.js';
export type { AuthOptions } from './auth.js';
export { fromAuthInfo, principalFromAuthInfo } from './from-auth-info.js';
export type { FromAuthInfoOptions } from './from-auth-info.js';
export { jwt, JWT_ALGORITHMS, principalFromClaims } from './jwt.js';
export type { JwtAlgorithm, JwtKey, JwtOptions, JwtStrategy } from './jwt.js';
export { apiKeys, envCredential, hashApiKey } from './api-keys.js';
export type { ApiKeyEntry, ApiKeysOptions, ApiKeyStrategy, EnvCredentialOptions } from './api-keys.js';
export { bearerChallenge } from './challenge.js';
export { bearerGate, fetchBearerGate } from './http.js';
export type { BearerGateOptions, FetchBearerGate, GatedRequest, NodeBearerGate } from './http.js';
export { protectedResourceMetadata, resourceMetadataUrl } from './metadata.js';
export type { ProtectedResourceMetadata, ProtectedResourceOptions } from './metadata.js';
export { PRINCIPAL_EXTRA_KEY } from './resolver.js';
export type { PrincipalResolver, TokenVerifier, VerifiedToken } from './resolver.js';
export type {
  PromptRequirements,
  ResourceRequirements,
  ToolRequirement,
  ToolRequirements,
} from './requirements.js';
export type { CredentialProblem } from './problems.js';
