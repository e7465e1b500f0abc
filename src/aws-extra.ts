import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

/**
 * S3 and STS calls the actions make only sometimes (rollback preflight, large templates, the account guard).
 * The actions load this module with a dynamic import, so the two SDK clients are a separate chunk that a
 * plain deploy never parses (cold start, bundle size).
 */
export interface S3Ops {
  headObject(bucket: string, key: string, versionId?: string): Promise<void>;
  putObject(bucket: string, key: string, body: string): Promise<void>;
}

export interface StsOps {
  accountId(): Promise<string | undefined>;
}

export function s3Ops(client: S3Client): S3Ops {
  return {
    headObject: async (Bucket, Key, VersionId) => {
      await client.send(new HeadObjectCommand({ Bucket, Key, VersionId }));
    },
    putObject: async (Bucket, Key, Body) => {
      await client.send(new PutObjectCommand({ Bucket, Key, Body, ContentType: 'text/plain' }));
    },
  };
}

export function stsOps(client: STSClient): StsOps {
  return { accountId: async () => (await client.send(new GetCallerIdentityCommand({}))).Account };
}

export { S3Client, STSClient };
