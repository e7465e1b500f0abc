/** Version of this package; sent in the AWS user agent (`guarded-deploy/<version>`). A unit test keeps it equal to package.json. */
export const VERSION = '1.0.0';
export const USER_AGENT_NAME = 'guarded-deploy';
