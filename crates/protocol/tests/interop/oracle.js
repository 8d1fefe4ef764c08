// Reference oracle for crates/protocol/tests/interop_wecom_crypto.rs.
//
// Reads one JSON request per line on stdin and writes one JSON answer per line on stdout,
// computed by independent implementations of WeChat/WeCom callback crypto: the official
// npm package `@wecom/crypto` and the community package `wechat-crypto`. Exits non-zero if
// either package is missing, so the Rust test fails instead of skipping.
'use strict';

const readline = require('readline');
const wecom = require('@wecom/crypto');
const WechatCrypto = require('wechat-crypto');

const DUMMY_KEY = 'A'.repeat(43);

function answer(req) {
  switch (req.op) {
    case 'decrypt': {
      const a = wecom.decrypt(req.key, req.encrypt);
      const b = new WechatCrypto('token', req.key, 'id').decrypt(req.encrypt);
      return {
        wecom: { message: a.message, id: a.id, random: a.random.toString('hex') },
        wechat_crypto: { message: b.message, id: b.id },
      };
    }
    case 'encrypt':
      return { encrypt: wecom.encrypt(req.key, req.message, req.id, Buffer.from(req.random, 'hex')) };
    case 'signature':
      return {
        wecom: wecom.getSignature(req.token, req.timestamp, req.nonce, req.encrypt),
        wechat_crypto: new WechatCrypto(req.token, DUMMY_KEY, 'id')
          .getSignature(req.timestamp, req.nonce, req.encrypt),
      };
    case 'jssdk':
      return {
        signature: wecom.getJsApiSignature({
          ticket: req.ticket,
          nonceStr: req.noncestr,
          timestamp: req.timestamp,
          url: req.url,
        }).signature,
      };
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
  let out;
  try {
    out = answer(JSON.parse(line));
  } catch (e) {
    out = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
});
