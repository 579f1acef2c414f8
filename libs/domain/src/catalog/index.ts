export * from './taxonomy';
export * from '../law/lawful-bases';
export * from '../law/special-categories';
