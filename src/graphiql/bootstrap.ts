/**
 * The browser script that mounts GraphiQL, served as `/graphiql/assets/bootstrap.js` so the
 * page's Content-Security-Policy needs no inline script. It is static (cacheable like the
 * vendor files): the page hands it the endpoint and the example operations as JSON in
 * `<script type="application/json" id="graphiql-config">`, which the browser does not run.
 *
 * Kept as plain ES2017 for every browser GraphiQL 3 supports; React, ReactDOM and GraphiQL are
 * the globals of their UMD files, loaded before it.
 */
export const BOOTSTRAP_SCRIPT = `'use strict';
(function () {
  var config = JSON.parse(document.getElementById('graphiql-config').textContent);

  /*
   * Same-origin POST with a JSON body: Apollo's CSRF prevention accepts it without extra
   * headers. A reply that is not JSON (a proxy's error page, 413, 403 from the router-secret
   * guard) becomes a GraphQL error so GraphiQL shows the status instead of a parse failure.
   */
  function httpFetcher(params) {
    return fetch(config.endpoint, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
      },
      body: JSON.stringify(params),
    }).then(function (response) {
      return response.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch (e) {
          return { errors: [{ message: 'HTTP ' + response.status + ': ' + text.slice(0, 500) }] };
        }
      });
    });
  }

  /* Whether the operation GraphiQL runs is a subscription (the named one, else the first). */
  function isSubscription(params) {
    var query = params.query.replace(/#[^\\n]*/g, '');
    var name = params.operationName;
    var found = name
      ? new RegExp('\\\\b(query|mutation|subscription)\\\\s+' + name + '\\\\b').exec(query)
      : /^\\s*(query|mutation|subscription)?/.exec(query);
    return Boolean(found && found[1] === 'subscription');
  }

  /*
   * A subscription over graphql-ws (the graphql-transport-ws protocol) on the same path: an
   * Observable GraphiQL subscribes to; unsubscribing sends complete and closes the socket.
   */
  function wsFetcher(params) {
    var url = new URL(config.endpoint, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return {
      subscribe: function (observer) {
        var socket = new WebSocket(url.toString(), 'graphql-transport-ws');
        var done = false;
        function finish() {
          if (done) return;
          done = true;
          socket.close(1000, 'Normal Closure');
        }
        socket.onopen = function () {
          socket.send(JSON.stringify({ type: 'connection_init' }));
        };
        socket.onmessage = function (event) {
          var message = JSON.parse(event.data);
          if (message.type === 'connection_ack') {
            socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: params }));
          } else if (message.type === 'ping') {
            socket.send(JSON.stringify({ type: 'pong' }));
          } else if (message.type === 'next') {
            observer.next(message.payload);
          } else if (message.type === 'error') {
            observer.next({ errors: message.payload });
            finish();
            observer.complete();
          } else if (message.type === 'complete') {
            finish();
            observer.complete();
          }
        };
        socket.onclose = function (event) {
          if (done) return;
          done = true;
          observer.next({ errors: [{ message: 'WebSocket closed: ' + event.code + ' ' + event.reason }] });
          observer.complete();
        };
        return {
          unsubscribe: function () {
            if (!done && socket.readyState === WebSocket.OPEN) {
              socket.send(JSON.stringify({ id: '1', type: 'complete' }));
            }
            finish();
          },
        };
      },
    };
  }

  function fetcher(params) {
    return isSubscription(params) ? wsFetcher(params) : httpFetcher(params);
  }

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      defaultEditorToolsVisibility: false,
    }),
  );
})();
`;
