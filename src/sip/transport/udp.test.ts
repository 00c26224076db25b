import { test } from 'uvu';
import { transportCases } from './transport.case.js';

transportCases('udp');

test.run();
