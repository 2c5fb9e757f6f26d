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
  function fetcher(params) {
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

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      defaultEditorToolsVisibility: false,
    }),
  );
})();
`;
