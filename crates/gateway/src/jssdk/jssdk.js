/*
 * wxgate drop-in JS-SDK configuration (GET /sdk/jssdk.js?app=NAME; see docs/jssdk.md).
 *
 * Include it after the official SDK (jweixin for wx.config / wx.agentConfig, or @wecom/jssdk for
 * ww.register). It fetches the signatures for this page from the wxgate gateway it was loaded
 * from, configures the SDK, and fires `wxgate:ready` or `wxgate:error` on `document`
 * (`window.wxgate.ready` is the same as a Promise).
 *
 * Script attributes: data-debug="true" turns on wx.config's debug mode; data-agent-config=
 * "always" | "never" | "auto" (default: only inside the WeCom client) controls wx.agentConfig.
 */
(function () {
  "use strict";
  var settings = /*WXGATE_SETTINGS*/ {};
  var script = document.currentScript;
  var data = (script && script.dataset) || {};
  var base = settings.base;
  if (script && script.src) {
    var at = script.src.indexOf("/sdk/jssdk.js");
    if (at > 0) base = script.src.slice(0, at);
  }
  var endpoint = base + "/api/v1/apps/" + encodeURIComponent(settings.app);
  var settled = false;
  var resolveReady, rejectReady;
  var ready = typeof Promise === "function"
    ? new Promise(function (resolve, reject) { resolveReady = resolve; rejectReady = reject; })
    : null;
  if (ready) ready["catch"](function () {});
  window.wxgate = { app: settings.app, ready: ready, settings: settings };

  function fire(name, detail) {
    var event;
    try {
      event = new CustomEvent(name, { detail: detail });
    } catch (e) {
      event = document.createEvent("CustomEvent");
      event.initCustomEvent(name, false, false, detail);
    }
    document.dispatchEvent(event);
  }

  function succeed(detail) {
    if (settled) return;
    settled = true;
    detail.app = settings.app;
    detail.platform = settings.platform;
    if (resolveReady) resolveReady(detail);
    fire("wxgate:ready", detail);
  }

  function fail(stage, error) {
    var detail = {
      app: settings.app,
      stage: stage,
      message: (error && (error.errMsg || error.message)) || String(error),
      error: error
    };
    if (!settled) {
      settled = true;
      if (rejectReady) rejectReady(detail);
    }
    fire("wxgate:error", detail);
  }

  function sign(path, url) {
    var body = { url: String(url).split("#")[0] };
    if (settings.suite) body.corp_id = settings.appId;
    return fetch(endpoint + path, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) {
          throw new Error((json && json.error && json.error.message) || "HTTP " + res.status);
        }
        return json;
      });
    });
  }

  function wantAgentConfig() {
    if (settings.platform !== "wecom" || !settings.agentId) return false;
    if (data.agentConfig === "always") return true;
    if (data.agentConfig === "never") return false;
    return /wxwork/i.test(navigator.userAgent);
  }

  function signature(c) {
    return { timestamp: c.timestamp, nonceStr: c.nonceStr, signature: c.signature };
  }

  function withWw(ww) {
    var options = {
      corpId: settings.appId,
      jsApiList: settings.jsApiList,
      getConfigSignature: function (url) {
        return sign("/jssdk-config", url).then(signature, function (e) {
          fail("config", e);
          throw e;
        });
      },
      onConfigFail: function (res) { fail("config", res); }
    };
    if (settings.agentId) {
      options.agentId = settings.agentId;
      options.getAgentConfigSignature = function (url) {
        return sign("/jssdk-agent-config", url).then(signature, function (e) {
          fail("agentConfig", e);
          throw e;
        });
      };
      options.onAgentConfigFail = function (res) { fail("agentConfig", res); };
    }
    ww.register(options);
    // ww configures on demand, calling the signature functions when it needs them.
    succeed({ sdk: "ww", agentConfig: !!settings.agentId });
  }

  function withWx(wx) {
    sign("/jssdk-config", location.href).then(function (c) {
      wx.error(function (res) { fail("config", res); });
      wx.ready(function () {
        if (!wantAgentConfig()) {
          succeed({ sdk: "wx", agentConfig: false });
          return;
        }
        sign("/jssdk-agent-config", location.href).then(function (a) {
          wx.agentConfig({
            corpid: a.corpid,
            agentid: a.agentid,
            timestamp: a.timestamp,
            nonceStr: a.nonceStr,
            signature: a.signature,
            jsApiList: a.jsApiList,
            success: function () { succeed({ sdk: "wx", agentConfig: true }); },
            fail: function (res) { fail("agentConfig", res); }
          });
        }, function (e) { fail("agentConfig", e); });
      });
      wx.config({
        beta: settings.platform === "wecom",
        debug: data.debug === "true",
        appId: c.appId,
        timestamp: c.timestamp,
        nonceStr: c.nonceStr,
        signature: c.signature,
        jsApiList: c.jsApiList
      });
    }, function (e) { fail("config", e); });
  }

  if (window.ww && typeof window.ww.register === "function") {
    withWw(window.ww);
  } else if (window.wx && typeof window.wx.config === "function") {
    withWx(window.wx);
  } else {
    fail("load", new Error(
      "no JS-SDK found: include jweixin (wx) or @wecom/jssdk (ww) before /sdk/jssdk.js"
    ));
  }
})();
