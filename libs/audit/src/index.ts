export * from './chain';
export * from './signer';
export * from './access-log';
export * from './subjects';
export * from './signed-heads';
export * from './digest';
