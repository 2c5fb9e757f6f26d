/**
 * What GraphiQL shows in its first tab (a browser that used the page before keeps its own
 * tabs in localStorage instead). Read-only on purpose: a visitor pressing "run" must not
 * write to Hypersoft, so the mutation example stays a comment. A unit test validates these
 * operations against the schema, so they cannot drift from the SDL.
 */
export const EXAMPLE_OPERATIONS = `# Hypersoft subgraph: customers, reservations, tickets and stations from Hypersoft API300.
#
# Run an operation with the ▶ button (it asks which one) or Ctrl-Enter (the one under the
# cursor). The book icon on the left opens the docs explorer: every type and field is
# documented there.
#
# Nested lists cost no extra upstream calls per customer: the reservations and tickets of a
# whole page of customers are loaded together (one API300 call per 500 records).

query CustomersWithReservations {
  customers(first: 5) {
    totalCount
    edges {
      node {
        number
        firstName
        lastName
        email
        reservations {
          id
          start
          persons
          status
          station {
            number
            name
          }
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}

query Stations {
  stations(activeOnly: true) {
    number
    name
  }
}

# Live: every change to station 1's reservations as the subgraph learns of it (over
# graphql-ws; stop it with the ■ button).
subscription StationBoard {
  reservationChanged(stationNumber: 1) {
    change
    id
    reservation {
      start
      persons
      status
    }
  }
}

# Writes look like this (remove the # signs to try it against a test system):
#
# mutation RenameCustomer {
#   updateCustomer(number: 1, patch: { lastName: "Example" }) {
#     number
#     lastName
#   }
# }
`;
