import { UserId } from './user';

export interface UserIdGenerator {
  next(): UserId;
}
