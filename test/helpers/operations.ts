/**
 * GraphQL operations several integration suites send (fault tests, end-to-end tests): a
 * customer by number, and the customers of a list of numbers (up to one API300 page).
 */

export const CUSTOMER_QUERY = /* GraphQL */ `
  query Customer($number: Int!) {
    customer(number: $number) {
      number
      lastName
    }
  }
`;

export const CUSTOMERS_QUERY = /* GraphQL */ `
  query Customers($numbers: [Int!]!) {
    customers(filter: { numbers: $numbers }, first: 500) {
      edges {
        node {
          number
          lastName
        }
      }
    }
  }
`;
